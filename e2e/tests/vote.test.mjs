// A deputy votes on a phone; the hall's projector shows the ballot and, at the close,
// the result, each within a second and without a reload.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, login, shot, PHONE, ASSEMBLY } from '../lib/harness.mjs';

const LIMIT_MS = 1000;
const POLL_PATH = `/assemblies/${ASSEMBLY}/polls/3`;
const PROJECTOR_PATH = `/assemblies/${ASSEMBLY}/projector`;

describe('voting on a phone, seen on the projector', () => {
  let server;
  let browser;
  let projector;
  let navigations = 0;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const hall = await newContext(browser, server);
    projector = await hall.newPage();
    await projector.goto(PROJECTOR_PATH);
    await projector.locator('body.live-on').waitFor({ timeout: 10_000 });
    projector.on('framenavigated', (f) => {
      if (f === projector.mainFrame()) navigations += 1;
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Milliseconds from `started` until `check(projector document)` holds. */
  async function until(check, arg, started) {
    await projector.waitForFunction(check, arg, { timeout: 5_000, polling: 20 });
    return Date.now() - started;
  }

  it('counts the deputy\'s vote on the hall screen within a second', async () => {
    const before = Number(await projector.locator('.pj-counts .yes dd').textContent());
    const phone = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', ...PHONE });
    const deputy = await phone.newPage();
    await login(deputy, 'deputy');
    await deputy.goto(POLL_PATH);
    const yes = deputy.locator('button.choice.yes');
    await yes.waitFor();
    await shot(deputy, 'vote-phone-ballot');
    // The projector is watched from the click on, while the phone loads its answer:
    // the time is the hall's, not the phone's, nor the screenshot's below.
    const started = Date.now();
    const shown = until(
      (want) => Number(document.querySelector('.pj-counts .yes dd')?.textContent) === want,
      before + 1,
      started,
    );
    await yes.click();
    await deputy.locator('.recorded').waitFor();
    const took = await shown;
    await shot(deputy, 'vote-phone-recorded');
    assert.ok(took < LIMIT_MS, `the projector showed the vote after ${took} ms`);
    // A second tap is answered from the first receipt: still one vote.
    await deputy.goto(POLL_PATH);
    assert.equal(await deputy.locator('button.choice.yes').count(), 0, 'the ballot is offered again after voting');
    await phone.close();
  });

  it('shows the result on the projector when the presidium closes the poll', async () => {
    const ctx = await newContext(browser, server);
    const chair = await ctx.newPage();
    await login(chair, 'presidium');
    await chair.goto(POLL_PATH);
    const started = Date.now();
    const shown = until(() => Boolean(document.querySelector('.pj-verdict')?.textContent.trim()), null, started);
    await chair.locator(`form[action$="/close"] button`).click();
    await chair.waitForLoadState();
    const took = await shown;
    assert.ok(took < LIMIT_MS, `the result reached the projector ${took} ms after the click`);
    const basis = await projector.locator('.pj-basis').textContent();
    assert.match(basis, /220/, `the basis names the threshold: ${basis}`);
    await shot(projector, 'projector-result');
    assert.equal(navigations, 0, 'the projector reloaded instead of updating live');
    await ctx.close();
  });
});
