// A poll opened with a time limit: the hall's projector and the poll page count down
// to its close, second by second, without a reload.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, shot, PASSWORD, ASSEMBLY } from '../lib/harness.mjs';

/** Seconds shown by a countdown such as "4:59" or "1:02:03". */
function seconds(text) {
  const parts = text.trim().split(':').map(Number);
  assert.ok(parts.length >= 2 && parts.every((n) => Number.isInteger(n)), `not a countdown: ${text}`);
  return parts.reduce((acc, n) => acc * 60 + n, 0);
}

describe('poll countdown', () => {
  let server;
  let browser;
  let poll;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const api = async (path, body, token) => {
      const res = await fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      const json = await res.json();
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(json)}`);
      return json;
    };
    const { token } = await api('/api/v1/tokens', { username: 'secretariat', password: PASSWORD });
    // The demo's open poll closes first: one poll at a time.
    await api(`/api/v1/assemblies/${ASSEMBLY}/polls/3/close`, {}, token);
    const opened = await api(
      `/api/v1/assemblies/${ASSEMBLY}/polls`,
      { meeting: 'rd15-1-plenary-2', subject: 'item', item: 2, rule: 'cn-people-congress', mode: 'named', duration_minutes: 5 },
      token,
    );
    poll = opened.poll;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [name, path] of [
    ['projector', () => `/assemblies/${ASSEMBLY}/projector`],
    ['poll page', () => `/assemblies/${ASSEMBLY}/polls/${poll}`],
  ]) {
    it(`counts down on the ${name}`, async () => {
      const ctx = await newContext(browser, server);
      const page = await ctx.newPage();
      await page.goto(path());
      const clock = page.locator('.countdown').first();
      await clock.waitFor();
      const first = seconds(await clock.textContent());
      assert.ok(first > 4 * 60 && first <= 5 * 60, `5 minutes were set, ${first} s shown`);
      await page.waitForTimeout(2_300);
      const later = seconds(await clock.textContent());
      assert.ok(later <= first - 2 && later >= first - 4, `after 2.3 s: ${first} s, then ${later} s`);
      await shot(page, `countdown-${name.replace(' ', '-')}`);
      assert.deepEqual(ctx.pageErrors, []);
      await ctx.close();
    });
  }
});
