// The secretariat at a desk: public pages, logging in, the agenda reached from the
// home page, the member list and a profile; a dashboard screenshot for every role.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newContext, login, shot, overflow,
  ASSEMBLY, AGENDA_PATH, MEMBERS_PATH,
} from '../lib/harness.mjs';

const STATE_LABELS = { pending: '待审议', in_progress: '进行中', done: '已完成', deferred: '已推迟' };

describe('secretariat on a desktop', () => {
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

  it('shows the public home page and the login form', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto('/');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await page.locator('h1').innerText(), '公开信息');
    assert.match(await page.locator('.grid').innerText(), /太原市第十五届人民代表大会/);
    await shot(page, 'desktop-home-public');
    await page.getByRole('link', { name: '登录' }).click();
    await page.waitForURL('**/login');
    await assert.doesNotReject(page.locator('#username').waitFor());
    await shot(page, 'desktop-login');
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });

  it('logs in and opens the agenda from the home page', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await login(page, 'secretariat');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.match(await page.locator('h1').innerText(), /工作台/);
    assert.match(await page.locator('.who').innerText(), /秘书处/);
    await shot(page, 'desktop-dashboard-secretariat');

    // The link on the people's congress card, as a person would find it.
    const card = page.locator('.grid .card', { hasText: '太原市第十五届人民代表大会' });
    await Promise.all([page.waitForURL(`**${AGENDA_PATH}`), card.getByRole('link', { name: '议程' }).click()]);
    assert.match(await page.locator('h1').innerText(), /会议议程/);

    const items = page.locator('#agenda ol.agenda > li.item');
    assert.equal(await items.count(), 8, 'the demo session has 8 agenda items');
    const rows = await items.evaluateAll((lis) =>
      lis.map((li) => ({
        number: li.dataset.item,
        state: li.dataset.state,
        title: li.querySelector('.title')?.textContent.trim(),
        pill: li.querySelector('.pill')?.textContent.trim(),
        buttons: [...li.querySelectorAll('button')].map((b) => b.textContent.trim()),
      })),
    );
    assert.deepEqual(rows.map((r) => r.number), ['1', '2', '3', '4', '5', '6', '7', '8']);
    for (const r of rows) {
      assert.ok(r.title, `item ${r.number} has a title`);
      assert.equal(r.pill, STATE_LABELS[r.state], `item ${r.number} shows its state`);
    }
    assert.deepEqual(rows.map((r) => r.state), ['done', 'in_progress', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
    // The secretariat may move items: the one in progress can be finished or deferred.
    assert.deepEqual(rows[1].buttons, ['完成', '推迟']);
    await shot(page, 'desktop-agenda-secretariat');
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });

  it('browses the member list and a member profile', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await login(page, 'secretariat');
    await page.goto(MEMBERS_PATH);
    const rows = page.locator('table.members tbody tr');
    assert.ok((await rows.count()) >= 400, 'the demo assembly has 440 deputies');
    assert.equal(await overflow(page), 0);
    await shot(page, 'desktop-members');

    // Filter by searching a name taken from the list, then open the profile.
    const first = await rows.first().locator('a').innerText();
    await page.locator('#q').fill(first);
    await Promise.all([page.waitForURL(/q=/), page.locator('form.filters button[type=submit]').click()]);
    assert.ok((await rows.count()) >= 1);
    await Promise.all([
      page.waitForURL(new RegExp(`/assemblies/${ASSEMBLY}/members/[^/?]+$`)),
      rows.first().locator('a').click(),
    ]);
    assert.equal((await page.locator('h1').innerText()).split(/\s/)[0], first.split(/\s/)[0]);
    assert.ok((await page.locator('dl.facts dt').count()) >= 5);
    assert.match(await page.locator('dl.facts').innerText(), /联系电话/, 'the secretariat sees contact details');
    await shot(page, 'desktop-member-profile');

    // The public sees the same profile without them.
    const profile = new URL(page.url()).pathname;
    const publicCtx = await newContext(browser, server);
    const publicPage = await publicCtx.newPage();
    await publicPage.goto(profile);
    assert.equal(await publicPage.locator('h1').innerText(), await page.locator('h1').innerText());
    assert.doesNotMatch(await publicPage.locator('dl.facts').innerText(), /联系电话|出生年份/, 'no private details for the public');
    await shot(publicPage, 'desktop-member-profile-public');
    await publicCtx.close();

    await page.goto('/accounts');
    assert.ok((await page.locator('tbody tr').count()) >= 6);
    await shot(page, 'desktop-accounts');
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });

  it('shows a dashboard for every role', async () => {
    const roles = {
      admin: { label: '系统管理员', accounts: true },
      secretariat: { label: '秘书处', accounts: true },
      presidium: { label: '主席团', accounts: false },
      deputy: { label: '代表', accounts: false, profile: true },
      cppcc: { label: '委员', accounts: false, profile: true },
      member: { label: '成员', accounts: false, profile: true },
      officer: { label: '承办', accounts: false, officer: true },
    };
    assert.deepEqual(server.logins.slice().sort(), Object.keys(roles).sort());
    for (const [user, want] of Object.entries(roles)) {
      const ctx = await newContext(browser, server);
      const page = await ctx.newPage();
      await login(page, user);
      assert.match(await page.locator('h1').innerText(), /工作台/, user);
      assert.match(await page.locator('h1 small').innerText(), new RegExp(want.label), user);
      assert.equal(await page.locator('nav a[href="/accounts"]').count(), want.accounts ? 1 : 0, `${user}: accounts link`);
      if (want.profile) assert.match(await page.locator('main').innerText(), /我的信息/, `${user}: own profile`);
      if (want.officer) assert.match(await page.locator('main').innerText(), /承办/, `${user}: officer intro`);
      await shot(page, `desktop-dashboard-${user}`);
      assert.deepEqual(ctx.pageErrors, []);
      await ctx.close();
    }
  });
});
