// A secret ballot sealed on the deputy's phone: the page's script seals the choice in
// WebAssembly with the vote's public key, so what leaves the phone, and all the server
// ever holds, is the sealed ballot: a poll's, and an election round's with its proof
// of no more yes marks than seats. Without JavaScript the same form still votes, and
// the server seals it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, login, shot, apiAs, PHONE, ASSEMBLY } from '../lib/harness.mjs';

const API = `/api/v1/assemblies/${ASSEMBLY}`;

describe('a secret ballot sealed on the phone', () => {
  let server;
  let browser;
  let poll;

  const api = (method, path, username, body) => apiAs(server, method, path, username, body);

  /** Votes on the poll's page on a phone; returns what the vote form sent. */
  async function vote(username, button, options = {}) {
    const ctx = await newContext(browser, server, { ...PHONE, ...options });
    const page = await ctx.newPage();
    await login(page, username);
    const sent = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/polls/${poll}/vote`)) sent.push(r.postData() || '');
    });
    await page.goto(`/assemblies/${ASSEMBLY}/polls/${poll}`);
    return { ctx, page, sent, button: page.locator(`button.choice.${button}`) };
  }

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const open = await api('GET', `${API}/polls/3`, 'secretariat');
    await api('POST', `${API}/polls/3/close`, 'presidium', {});
    const opened = await api('POST', `${API}/polls`, 'secretariat', {
      meeting: open.meeting,
      subject: 'item',
      item: open.item,
      title: '关于市级预算调整方案的决议（草案）',
      rule: 'cn-people-congress',
      mode: 'secret',
    });
    poll = opened.poll;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('sends only the sealed ballot, which the server checks and counts', async () => {
    const { ctx, page, sent, button } = await vote('deputy', 'no');
    // The module is loaded before the tap, and the page says the phone seals.
    await page.locator('html.seal-ready').waitFor({ timeout: 10_000 });
    assert.ok(await page.locator('.seal-note').isVisible(), 'the page does not say the phone seals the ballot');
    await shot(page, 'sealed-phone-ballot');
    await button.click();
    await page.locator('.recorded').waitFor();
    await shot(page, 'sealed-phone-recorded');
    assert.equal(sent.length, 1, `the form was sent ${sent.length} times`);
    const form = new URLSearchParams(sent[0]);
    assert.equal(form.get('choice'), null, `the choice left the phone: ${sent[0].slice(0, 200)}`);
    assert.match(form.get('sealed') || '', /^[0-9a-f]{512,}$/, 'no sealed ballot in the form');
    const done = await page.locator('[role=status]').allTextContents();
    assert.ok(done.some((t) => t.includes('已在本设备上加密')), `no word that it was sealed here: ${done}`);
    // The fingerprint the phone computed, and the public list where the voter finds it.
    const fp = page.locator('.fingerprint code');
    await fp.waitFor();
    const mine = await fp.textContent();
    assert.match(mine, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    const list = await fetch(`${server.url}${await page.locator('.fingerprint a').getAttribute('href')}`).then((r) => r.text());
    assert.deepEqual(list.trim().split('\n'), [mine], 'the list holds the one ballot cast, by the same fingerprint');
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });

  it('still votes without JavaScript, sealed by the server', async () => {
    const { ctx, page, sent, button } = await vote('presidium', 'yes', { javaScriptEnabled: false });
    assert.equal(await page.locator('.seal-note').isVisible(), false, 'the page claims the phone seals without a script');
    await button.click();
    await page.locator('.recorded').waitFor();
    assert.equal(new URLSearchParams(sent[0]).get('choice'), 'yes');
    await ctx.close();
  });

  it('counts the phone-sealed ballot in the decrypted sum', async () => {
    const closed = await api('POST', `${API}/polls/${poll}/close`, 'presidium', {});
    assert.equal(closed.turnout, 2);
    assert.deepEqual(
      [closed.result.yes, closed.result.no, closed.result.abstain],
      [1, 1, 0],
      `the sum: ${JSON.stringify(closed.result)}`,
    );
  });

  it('seals an election ballot with its proof of no more yes marks than seats', async () => {
    // An election of two vice-mayors from three candidates, its round electronic.
    const agenda = `${API}/sessions/15-1/agenda`;
    for (const [item, to] of [[2, 'done'], [7, 'in_progress']]) {
      await api('POST', `${agenda}/${item}`, 'presidium', { to });
    }
    const created = await api('POST', `${API}/elections`, 'secretariat', {
      session: '15-1', item: 7, title: '选举太原市人民政府副市长', title_en: 'Election of the vice-mayors',
      office: 'deputy', seats: 2,
    });
    const e = `${API}/elections/${created.election}`;
    const cand = (name) => ({ name, biography: `${name}，某局局长。` });
    await api('POST', `${e}/nominations`, 'secretariat', { by: 'presidium', candidates: [cand('张一'), cand('李二')] });
    // Ten or more deputies jointly (OL art. 26).
    const members = await api('GET', `${API}/members`, 'secretariat');
    const signers = members.filter((m) => m.status === 'active').slice(100, 120).map((m) => m.id);
    await api('POST', `${e}/nominations`, 'secretariat', { by: 'deputies', signers, candidates: [cand('王三')] });
    await api('POST', `${e}/fix`, 'secretariat', {});
    const poll = await api('GET', `${API}/polls/3`, 'secretariat');
    await api('POST', `${e}/rounds`, 'secretariat', { meeting: poll.meeting, mode: 'electronic' });
    const page = `/assemblies/${ASSEMBLY}/elections/${created.election}/ballot`;

    async function ballot(username, marks) {
      const ctx = await newContext(browser, server, PHONE);
      const p = await ctx.newPage();
      await login(p, username);
      const sent = [];
      p.on('request', (r) => {
        if (r.method() === 'POST' && r.url().endsWith(page)) sent.push(new URLSearchParams(r.postData() || ''));
      });
      await p.goto(page);
      await p.locator('html.seal-ready').waitFor({ timeout: 10_000 });
      for (const [i, m] of marks.entries()) await p.locator(`input[name="c${i}"][value="${m}"]`).check();
      return { ctx, p, sent };
    }

    // Sealed on the phone: sub-ballots and the proof, and no mark.
    const d = await ballot('deputy', ['yes', 'yes', 'no']);
    await shot(d.p, 'sealed-election-ballot');
    await d.p.locator('form.e-ballot button[type=submit]').click();
    await d.p.locator('.recorded').waitFor();
    const form = d.sent[0];
    assert.equal(form.get('c0') ?? form.get('c1') ?? form.get('c2'), null, 'a mark left the phone');
    assert.equal(form.get('sealed').split(',').length, 3, 'one sealed sub-ballot per candidate');
    assert.match(form.get('slate') || '', /^[0-9a-f]+$/, 'no proof of the yes marks');
    assert.match(await d.p.locator('[role=status]').textContent(), /已在本设备上加密/);
    const mine = await d.p.locator('.fingerprint code').textContent();
    const list = await fetch(`${server.url}${await d.p.locator('.fingerprint a').getAttribute('href')}`).then((r) => r.text());
    assert.ok(list.split('\n').includes(mine), `the round's list lacks ${mine}: ${list}`);
    assert.deepEqual(d.ctx.pageErrors, []);
    await d.ctx.close();

    // Three yes marks for two seats cannot be sealed with a proof: the page falls back
    // to the server, which refuses them by the statute and keeps the marks.
    const pr = await ballot('presidium', ['yes', 'yes', 'yes']);
    await pr.p.locator('form.e-ballot button[type=submit]').click();
    await pr.p.locator('.error[role=alert]').waitFor();
    assert.match(await pr.p.locator('.error[role=alert]').textContent(), /EL art\. 44/);
    await pr.p.locator('html.seal-ready').waitFor({ timeout: 10_000 });
    await pr.p.locator('input[name="c1"][value="no"]').check();
    await pr.p.locator('input[name="c2"][value="abstain"]').check();
    await pr.p.locator('form.e-ballot button[type=submit]').click();
    await pr.p.locator('.recorded').waitFor();
    assert.ok(pr.sent[1].get('slate'), 'the corrected ballot was not sealed on the phone');
    await pr.ctx.close();

    // The count decrypts only the sums: 张一 2 yes, 李二 1 yes and 1 no, 王三 1 no and 1 abstain.
    await api('POST', `${e}/count`, 'secretariat', {});
    const counted = await api('GET', e, 'secretariat');
    const counts = counted.rounds[0].result.counts.map((c) => [c.candidate, c.yes, c.no, c.abstain]);
    assert.deepEqual(counts, [['张一', 2, 0, 0], ['李二', 1, 1, 0], ['王三', 0, 1, 1]]);
  });

  it("lets the demo association's member seal the deciding ballot, then shows the result", async () => {
    // The association of the demo (Robert's Rules) has its secret ballot open: of the
    // 84 ballots cast, exactly two thirds of the yes and no votes say yes.
    const tr = '/api/v1/assemblies/taiyuan-translators/polls/3';
    const ctx = await newContext(browser, server, PHONE);
    const page = await ctx.newPage();
    await login(page, 'member');
    const sent = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/polls/3/vote')) sent.push(r.postData() || '');
    });
    await page.goto('/assemblies/taiyuan-translators/polls/3');
    await page.locator('html.seal-ready').waitFor({ timeout: 10_000 });
    await page.locator('button.choice.no').click();
    await page.locator('.recorded').waitFor();
    assert.equal(new URLSearchParams(sent[0]).get('choice'), null, 'the choice left the phone');
    const mine = await page.locator('.fingerprint code').textContent();
    const list = await fetch(`${server.url}/assemblies/taiyuan-translators/polls/3/fingerprints.txt`).then((r) => r.text());
    const lines = list.trim().split('\n');
    assert.equal(lines.length, 85);
    assert.ok(lines.includes(mine), `the list lacks ${mine}`);
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();

    // The secretariat closes it: 54 yes of 82 is short of two thirds.
    const closed = await api('POST', `${tr}/close`, 'secretariat', {});
    assert.deepEqual([closed.result.yes, closed.result.no, closed.result.abstain, closed.result.adopted], [54, 28, 3, false]);
    const view = await newContext(browser, server, PHONE);
    const pub = await view.newPage();
    await pub.goto('/assemblies/taiyuan-translators/polls/3');
    const text = await pub.locator('main').textContent();
    assert.match(text, /未通过/, 'the page does not say the amendment failed');
    await shot(pub, 'association-result');
    await view.close();
  });
});
