// Check-in with the code on the hall's screen: the demo's plenary takes a deputy's own
// check-in only with the six digits the secretariat puts on the hall's screen, which
// change every minute. The secretariat's screen shows them; the deputy types them on
// the phone; a wrong code is refused with a clear message.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import jsQR from 'jsqr';
import { startServer, launchBrowser, newContext, login, shot, overflow, apiAs, sleep, DESKTOP, PHONE, ASSEMBLY } from '../lib/harness.mjs';

const MEETING = `/assemblies/${ASSEMBLY}/meetings/rd15-1-plenary-2`;

describe('check-in with the hall code', () => {
  let server;
  let browser;

  const api = (method, path, username, body) => apiAs(server, method, path, username, body);

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // The demo deputy is checked in already: the secretariat records a leave, so the
    // deputy has to check in again.
    const me = await api('GET', '/api/v1/me', 'deputy');
    await api('POST', `/api/v1/assemblies/${ASSEMBLY}/meetings/rd15-1-plenary-2/leave`, 'secretariat', {
      member: me.member,
      reason: '临时离会',
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the code on the hall screen and takes it on the phone', async () => {
    const desk = await (await newContext(browser, server, DESKTOP)).newPage();
    await login(desk, 'secretariat');
    await desk.goto(MEETING);
    const card = desk.locator('section.card', { has: desk.locator('h2', { hasText: '会场签到码' }) });
    assert.match(await card.innerText(), /须输入会场大屏上的签到码/);
    await Promise.all([desk.waitForURL(/\/hall-code$/), card.locator('a.button').click()]);
    const screenCode = async () => (await desk.locator('[data-hall-code]').innerText()).replace(/\s/g, '');
    assert.match(await screenCode(), /^\d{6}$/);
    assert.match(await desk.locator('main').innerText(), /秒后更换/);
    await shot(desk, 'hall-code-screen');

    const phone = await (await newContext(browser, server, PHONE)).newPage();
    await login(phone, 'deputy');
    const field = phone.getByLabel('会场签到码');
    assert.equal(await field.count(), 1, 'the dashboard asks for the code, labelled');
    assert.equal(await field.getAttribute('inputmode'), 'numeric');
    assert.equal(await overflow(phone), 0, 'dashboard: no horizontal overflow');
    await shot(phone, 'phone-hall-code');

    // A wrong code: refused, saying why.
    const code = await screenCode();
    const wrong = String((Number(code) + 500000) % 1000000).padStart(6, '0');
    await field.fill(wrong);
    await Promise.all([phone.waitForURL(/\/check-in\?retry=hall_code_wrong$/), field.press('Enter')]);
    assert.match(await phone.locator('main [role=alert]').innerText(), /签到码不正确或已过期/);
    assert.equal(await phone.getByLabel('会场签到码').count(), 1, 'the field again, for another try');

    // The code on the screen now (read again: the minute may have turned).
    await phone.goto('/');
    await desk.reload();
    const count = async () => Number((await desk.locator('#hall-count').innerText()).match(/已签到 (\d+) 人/)[1]);
    const before = await count();
    await phone.getByLabel('会场签到码').fill(await screenCode());
    await Promise.all([
      phone.waitForResponse((r) => new URL(r.url()).pathname === '/' && r.request().method() === 'GET'),
      phone.locator('form', { has: phone.getByLabel('会场签到码') }).locator('button[type=submit]').tap(),
    ]);
    await phone.waitForLoadState('load');
    assert.match(await phone.locator('section.now').innerText(), /已签到/);
    // The hall's screen counts the deputy at once, without reloading.
    const deadline = Date.now() + 1000;
    while ((await count()) !== before + 1 && Date.now() < deadline) await sleep(50);
    assert.equal(await count(), before + 1, 'the count on the hall screen follows the check-in live');
    assert.equal(await phone.getByLabel('会场签到码').count(), 0, 'no more check-in form');
    const me = await api('GET', '/api/v1/me', 'deputy');
    const att = await api('GET', `/api/v1/assemblies/${ASSEMBLY}/meetings/rd15-1-plenary-2/attendance`, 'secretariat');
    assert.ok(!(att.absent_members || []).some((m) => m.id === me.member), 'the deputy is no longer absent');
    assert.ok(!(att.excused_members || []).some((m) => m.id === me.member), 'nor excused');
  });

  it('checks a deputy in from the QR code on the hall screen', async () => {
    // The `presidium` login is a deputy too: on leave first, then scanning the code.
    const me = await api('GET', '/api/v1/me', 'presidium');
    await api('POST', `/api/v1/assemblies/${ASSEMBLY}/meetings/rd15-1-plenary-2/leave`, 'secretariat', {
      member: me.member,
      reason: '临时离会',
    });
    const desk = await (await newContext(browser, server, DESKTOP)).newPage();
    await login(desk, 'secretariat');
    await desk.goto(`${MEETING}/hall-code`);
    // What a phone's camera reads: the QR code drawn to a canvas, decoded by jsQR.
    const pixels = await desk.locator('.hall-qr svg').evaluate(async (svg) => {
      const img = new Image();
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = 400;
      canvas.height = 400;
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 400, 400);
      g.drawImage(img, 20, 20, 360, 360);
      return Array.from(g.getImageData(0, 0, 400, 400).data);
    });
    const read = jsQR(Uint8ClampedArray.from(pixels), 400, 400);
    assert.ok(read, 'the QR code decodes');
    const link = new URL(read.data);
    assert.equal(link.pathname, `${MEETING}/check-in`);
    assert.match(link.searchParams.get('hall_code'), /^\d{6}$/);
    assert.equal(link.host, new URL(server.url).host, 'the link reaches the server the hall sees');

    // The phone opens it, logs in, and comes back to one button with the code filled in.
    const phone = await (await newContext(browser, server, PHONE)).newPage();
    await phone.goto(read.data);
    await phone.waitForURL(/\/login\?next=/);
    await phone.locator('#username').fill('presidium');
    await phone.locator('#password').fill('plenum-demo');
    await Promise.all([phone.waitForURL(/\/check-in\?hall_code=/), phone.locator('form.stack button[type=submit]').tap()]);
    assert.equal(await phone.getByLabel('会场签到码').inputValue(), link.searchParams.get('hall_code'));
    assert.equal(await overflow(phone), 0, 'check-in page: no horizontal overflow');
    await shot(phone, 'phone-scan-check-in');
    await Promise.all([
      phone.waitForResponse((r) => new URL(r.url()).pathname === '/' && r.request().method() === 'GET'),
      phone.locator('main form button[type=submit]').tap(),
    ]);
    await phone.waitForLoadState('load');
    const att = await api('GET', `/api/v1/assemblies/${ASSEMBLY}/meetings/rd15-1-plenary-2/attendance`, 'secretariat');
    assert.ok(!(att.excused_members || []).some((m) => m.id === me.member), 'no longer excused');
    assert.ok(!(att.absent_members || []).some((m) => m.id === me.member), 'nor absent');
  });
});
