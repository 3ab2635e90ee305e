// A secret ballot sealed on the deputy's phone: the page's script seals the choice in
// WebAssembly with the poll's public key, so what leaves the phone, and all the server
// ever holds, is the sealed ballot. Without JavaScript the same form still votes, and
// the server seals it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, login, shot, PHONE, ASSEMBLY, PASSWORD } from '../lib/harness.mjs';

const API = `/api/v1/assemblies/${ASSEMBLY}`;

describe('a secret ballot sealed on the phone', () => {
  let server;
  let browser;
  let poll;

  async function api(method, path, username, body) {
    const t = await fetch(`${server.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    }).then((r) => r.json());
    const r = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await r.json();
    assert.ok(r.ok, `${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  }

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
});
