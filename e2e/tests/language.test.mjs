// Switching the language in the header: English and back to Chinese, staying on
// the same page, for the public and for a signed-in user.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, login, shot, AGENDA_PATH } from '../lib/harness.mjs';

describe('language switch', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function lang(page) {
    return page.locator('html').getAttribute('lang');
  }

  it('switches the public home page to English and back', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto('/');
    assert.equal(await lang(page), 'zh-CN');
    assert.equal(await page.locator('h1').innerText(), '公开信息');

    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.locator('header').getByRole('link', { name: 'English' }).click()]);
    assert.equal(await lang(page), 'en');
    assert.equal(await page.locator('h1').innerText(), 'Public information');
    assert.match(await page.locator('nav').innerText(), /Home/);
    assert.match(await page.locator('nav').innerText(), /Log in/);
    assert.match(await page.locator('.skip').textContent(), /Skip to content/);
    assert.match(await page.title(), /Public|Plenum/);
    assert.equal(await page.locator('header .lang a[aria-current]').innerText(), 'English');
    await shot(page, 'desktop-home-public-en');

    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.locator('header').getByRole('link', { name: '中文' }).click()]);
    assert.equal(await lang(page), 'zh-CN');
    assert.equal(await page.locator('h1').innerText(), '公开信息');
    assert.equal(await page.locator('header .lang a[aria-current]').innerText(), '中文');
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });

  it('keeps the page and the login when switching on the agenda', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await login(page, 'presidium');
    await page.goto(AGENDA_PATH);
    assert.match(await page.locator('h1').innerText(), /会议议程/);

    await Promise.all([page.waitForURL(`**${AGENDA_PATH}`), page.getByRole('link', { name: 'English' }).click()]);
    assert.equal(await lang(page), 'en');
    assert.match(await page.locator('h1').innerText(), /Agenda/);
    assert.match(await page.locator('.who').innerText(), /Signed in as .* Presidium member/);
    assert.match(await page.locator('#agenda li.item[data-item="2"] .pill').innerText(), /In progress/);
    assert.match(await page.locator('#agenda li.item[data-item="2"] .title').innerText(), /^Examine and approve/);
    assert.deepEqual(
      await page.locator('#agenda li.item[data-item="2"] button').allInnerTexts(),
      ['Finish', 'Defer'],
    );
    await shot(page, 'desktop-agenda-presidium-en');

    // The choice is remembered across pages.
    await page.goto('/');
    assert.equal(await lang(page), 'en');
    assert.match(await page.locator('h1').innerText(), /Dashboard/);

    await page.goto(AGENDA_PATH);
    await Promise.all([page.waitForURL(`**${AGENDA_PATH}`), page.getByRole('link', { name: '中文' }).click()]);
    assert.equal(await lang(page), 'zh-CN');
    assert.match(await page.locator('h1').innerText(), /会议议程/);
    assert.match(await page.locator('.who').innerText(), /当前用户.*主席团成员/);
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });
});
