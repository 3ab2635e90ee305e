// Live updates: the public watches the agenda while the presidium moves an item;
// the public page changes by itself, without a reload, within a second.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, login, shot, AGENDA_PATH } from '../lib/harness.mjs';

const LIMIT_MS = 1000;

describe('live agenda', () => {
  let server;
  let browser;
  let chair;
  let chairPage;
  let publicCtx;
  let watcher;
  let navigations = 0;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    chair = await newContext(browser, server);
    chairPage = await chair.newPage();
    await login(chairPage, 'presidium');
    await chairPage.goto(AGENDA_PATH);

    publicCtx = await newContext(browser, server);
    watcher = await publicCtx.newPage();
    await watcher.goto(AGENDA_PATH);
    // The stream is open once the page marks itself live.
    await watcher.locator('body.live-on').waitFor({ timeout: 10_000 });
    await watcher.evaluate(() => {
      window.__sameDocument = true;
    });
    watcher.on('framenavigated', (f) => {
      if (f === watcher.mainFrame()) navigations += 1;
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /**
   * Arms the public page to note (Date.now()) when item `n` shows state `to`, then
   * clicks the chair's button; returns the milliseconds from the click to the change.
   */
  async function moveAndMeasure(n, button, to) {
    await watcher.evaluate(
      ([n, to]) => {
        window.__seen = null;
        const check = () => {
          const li = document.querySelector(`#agenda li.item[data-item="${n}"]`);
          if (!window.__seen && li && li.dataset.state === to && li.querySelector('.pill')?.offsetParent) {
            window.__seen = Date.now();
          }
        };
        new MutationObserver(check).observe(document.getElementById('agenda'), { childList: true, subtree: true, attributes: true });
      },
      [n, to],
    );
    assert.equal(await watcher.locator(`#agenda li.item[data-item="${n}"]`).getAttribute('data-state'), n === 2 ? 'in_progress' : 'pending');

    const btn = chairPage.locator(`#agenda li.item[data-item="${n}"] button`, { hasText: button });
    await btn.waitFor();
    const nav = chairPage.waitForURL(`**${AGENDA_PATH}`, { waitUntil: 'commit' });
    const t0 = Date.now();
    await btn.click({ noWaitAfter: true });
    await nav;
    // The chair's own page shows the new state after the redirect.
    await chairPage.locator(`#agenda li.item[data-item="${n}"][data-state="${to}"]`).waitFor({ timeout: 5_000 });

    const seen = await watcher.waitForFunction(() => window.__seen, null, { timeout: 5_000, polling: 50 }).then((h) => h.jsonValue());
    return seen - t0;
  }

  it('shows a finished item on the public page within a second, without reload', async () => {
    const ms = await moveAndMeasure(2, '完成', 'done');
    console.log(`# live: item 2 finished -> public page updated in ${ms} ms`);
    assert.ok(ms < LIMIT_MS, `the change took ${ms} ms (limit ${LIMIT_MS} ms)`);
    assert.equal(await watcher.locator('#agenda li.item[data-item="2"] .pill').innerText(), '已完成');
    assert.equal(await watcher.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
    assert.equal(navigations, 0, 'the public page did not navigate');
    // The public sees no controls.
    assert.equal(await watcher.locator('#agenda button').count(), 0);
    await shot(watcher, 'desktop-agenda-public-live');
  });

  it('shows the next item started, again without reload', async () => {
    const ms = await moveAndMeasure(3, '开始', 'in_progress');
    console.log(`# live: item 3 started -> public page updated in ${ms} ms`);
    assert.ok(ms < LIMIT_MS, `the change took ${ms} ms (limit ${LIMIT_MS} ms)`);
    assert.equal(await watcher.locator('#agenda li.item[data-item="3"] .pill').innerText(), '进行中');
    assert.equal(await watcher.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
    assert.equal(navigations, 0, 'the public page did not navigate');
    await shot(chairPage, 'desktop-agenda-presidium');
    assert.deepEqual(publicCtx.pageErrors, []);
    assert.deepEqual(chair.pageErrors, []);
  });
});
