// A deputy on a phone: their own profile on the home page, and pages that fit the
// screen (nothing scrolls sideways).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newContext, login, shot, overflow,
  PHONE, ASSEMBLY, AGENDA_PATH, MEMBERS_PATH,
} from '../lib/harness.mjs';

describe('deputy on a phone (390x844, touch)', () => {
  let server;
  let browser;
  let ctx;
  let page;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ctx = await newContext(browser, server, PHONE);
    page = await ctx.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('fits the public home and login pages', async () => {
    await page.goto('/');
    assert.equal(await page.evaluate(() => window.innerWidth), 390);
    assert.equal(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), true, 'a touch screen');
    assert.equal(await overflow(page), 0, 'home: no horizontal overflow');
    await shot(page, 'phone-home-public');
    await page.goto('/login');
    assert.equal(await overflow(page), 0, 'login: no horizontal overflow');
    await shot(page, 'phone-login');
  });

  it("shows the deputy's own profile card on the home page", async () => {
    await login(page, 'deputy');
    const card = page.locator('main section.card', { has: page.locator('h2', { hasText: '我的信息' }) });
    assert.equal(await card.count(), 1, 'one profile card');
    const link = card.locator(`a[href^="/assemblies/${ASSEMBLY}/members/"]`);
    // The demo deputy is 徐浩杰 (the display name in the header is the same person).
    assert.equal((await link.innerText()).trim(), '徐浩杰');
    assert.match(await page.locator('.who strong').innerText(), /徐浩杰/);
    assert.match(await card.innerText(), /太原市第十五届人民代表大会/);
    assert.equal(await overflow(page), 0, 'dashboard: no horizontal overflow');
    await shot(page, 'phone-dashboard-deputy');

    // The card leads to the profile, which fits too.
    await Promise.all([page.waitForURL(/\/members\/[^/?]+$/), link.tap()]);
    assert.match(await page.locator('h1').innerText(), /徐浩杰/);
    assert.equal(await overflow(page), 0, 'profile: no horizontal overflow');
    await shot(page, 'phone-member-profile');
  });

  it('has a usable member list', async () => {
    await page.goto(MEMBERS_PATH);
    assert.equal(await overflow(page), 0, 'members: no horizontal overflow');
    const rows = page.locator('table.members tbody tr');
    assert.ok((await rows.count()) >= 400);
    // Every row's name link is on screen horizontally and big enough to tap.
    const bad = await rows.evaluateAll((trs) =>
      trs
        .map((tr) => tr.querySelector('a').getBoundingClientRect())
        .filter((r) => r.left < 0 || r.right > window.innerWidth || r.height < 16).length,
    );
    assert.equal(bad, 0, 'member links fit the screen');
    // The filter form fits and works by touch.
    for (const sel of ['#group', '#q', 'form.filters button']) {
      const box = await page.locator(sel).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `${sel} fits the screen`);
    }
    await shot(page, 'phone-members');
    const groups = await page.locator('#group option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(groups.length >= 2, 'groups to filter by');
    await page.locator('#group').selectOption(groups[0]);
    await Promise.all([page.waitForURL(/group=/), page.locator('form.filters button').tap()]);
    const filtered = await rows.count();
    assert.ok(filtered >= 1 && filtered < 400, `filtering by group narrows the list (${filtered})`);
    assert.equal(await overflow(page), 0, 'filtered members: no horizontal overflow');
    await shot(page, 'phone-members-filtered');
  });

  it('fits the agenda and the assembly pages', async () => {
    await page.goto(AGENDA_PATH);
    assert.equal(await page.locator('#agenda li.item').count(), 8);
    assert.equal(await overflow(page), 0, 'agenda: no horizontal overflow');
    await shot(page, 'phone-agenda');
    await page.goto(`/assemblies/${ASSEMBLY}`);
    assert.equal(await overflow(page), 0, 'assembly: no horizontal overflow');
    await shot(page, 'phone-assembly');
    assert.deepEqual(ctx.pageErrors, []);
  });
});
