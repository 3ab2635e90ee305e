// Keyboard and accessibility basics: logging in with the keyboard alone, a label
// for every form field, the skip link, visible focus, legible contrast.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newContext, login, shot, apiAs,
  PASSWORD, AGENDA_PATH, MEMBERS_PATH, ASSEMBLY, SESSION,
} from '../lib/harness.mjs';

/** Which element has the focus, described for messages. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}` : 'none';
  });
}

/** Form fields on the page that no <label> names (hidden inputs aside). */
function unlabelled(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.type !== 'hidden')
      .filter((el) => !el.labels || el.labels.length === 0 || ![...el.labels].some((l) => l.textContent.trim()))
      .map((el) => el.outerHTML),
  );
}

/**
 * Text whose colour against its background is under WCAG AA (4.5:1, or 3:1 for
 * large text). Backgrounds are taken from the nearest ancestor that paints one.
 */
function lowContrast(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (x, y) => {
      const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p);
      return (a + 0.05) / (b + 0.05);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.closest('.skip')) continue;
      const s = getComputedStyle(el);
      if (s.visibility === 'hidden' || s.display === 'none' || !el.getClientRects().length) continue;
      const fg = parse(s.color);
      const r = ratio(fg, background(el));
      const size = parseFloat(s.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
      if (r < (large ? 3 : 4.5)) out.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${r.toFixed(2)}:1`);
    }
    return out;
  });
}

describe('keyboard and accessibility', () => {
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

  it('logs in with the keyboard alone', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto('/');
    // From the home page: Tab to the "登录" link in the header and press Enter.
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.getAttribute('href') === '/login')) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), '/login', `focus on ${await focused(page)}`);
    await Promise.all([page.waitForURL('**/login'), page.keyboard.press('Enter')]);

    // The username field has the focus (autofocus), or is reached with Tab.
    for (let i = 0; i < 15 && (await page.evaluate(() => document.activeElement?.id)) !== 'username'; i++) {
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'username', `focus on ${await focused(page)}`);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused field shows its focus');
    await page.keyboard.type('deputy');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
    await page.keyboard.type(PASSWORD);
    await shot(page, 'desktop-login-keyboard');
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
    assert.match(await page.locator('h1').innerText(), /工作台/);
    assert.match(await page.locator('.who').innerText(), /人大代表/);

    // And out again: Tab to the logout button, Enter.
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.closest('form')?.getAttribute('action') === '/logout')) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.closest('form')?.getAttribute('action')), '/logout');
    await page.keyboard.press('Enter');
    await page.locator('header a[href="/login"]').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.locator('.who').count(), 0, 'logged out');
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });

  it('shows a wrong password as an alert, keeping the username', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto('/login');
    await page.locator('#username').fill('deputy');
    await page.locator('#password').fill('not-the-password');
    await Promise.all([page.waitForURL('**/login'), page.locator('#password').press('Enter')]);
    assert.match(await page.getByRole('alert').innerText(), /用户名或密码不正确/);
    assert.equal(await page.locator('#username').inputValue(), 'deputy');
    await shot(page, 'desktop-login-error');
    await ctx.close();
  });

  it('labels every field on the login, members and password pages', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await page.goto('/login');
    assert.equal(await page.locator('form input:not([type=hidden])').count(), 2);
    assert.deepEqual(await unlabelled(page), [], 'login');
    await page.goto(MEMBERS_PATH);
    assert.equal(await page.locator('form.filters :is(input, select)').count(), 2);
    assert.deepEqual(await unlabelled(page), [], 'members');
    await login(page, 'deputy');
    await page.goto('/account/password');
    assert.equal(await page.locator('main form input:not([type=hidden])').count(), 3);
    assert.deepEqual(await unlabelled(page), [], 'password');
    await shot(page, 'desktop-password');
    // Every button says what it does.
    for (const path of ['/account/password', MEMBERS_PATH, '/']) {
      await page.goto(path);
      const nameless = await page.locator('button').evaluateAll((bs) => bs.filter((b) => !(b.getAttribute('aria-label') || b.textContent).trim()).length);
      assert.equal(nameless, 0, `${path}: buttons with no name`);
    }
    await ctx.close();
  });

  it('has a skip link that comes first and jumps to the content', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    for (const path of ['/', MEMBERS_PATH, AGENDA_PATH]) {
      await page.goto(path);
      const skip = page.locator('a.skip');
      assert.equal(await skip.count(), 1, `${path}: a skip link`);
      assert.equal(await skip.getAttribute('href'), '#main');
      assert.equal(await page.locator('main#main').count(), 1, `${path}: its target`);
      assert.ok((await skip.textContent()).trim(), 'the skip link has text');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip', `${path}: the first Tab stop is the skip link`);
      const box = await skip.boundingBox();
      assert.ok(box && box.x >= 0 && box.y >= 0 && box.width > 0, `${path}: the focused skip link is on screen`);
    }
    await shot(page, 'desktop-skip-link-focused');
    await page.keyboard.press('Enter');
    assert.equal(new URL(page.url()).hash, '#main');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('main')), true, `after skipping, Tab goes into the content (${await focused(page)})`);
    await ctx.close();
  });

  it('shows focus clearly and keeps text legible', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await login(page, 'presidium');
    const pages = ['/', '/login', AGENDA_PATH, MEMBERS_PATH, '/account/password'];
    for (const path of pages) {
      await page.goto(path);
      assert.deepEqual(await lowContrast(page), [], `${path}: text under WCAG AA contrast`);
    }
    // The focus ring must stand out from the white page (WCAG 1.4.11: 3:1).
    await page.goto(AGENDA_PATH);
    const rings = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll('a, button, input, select')) {
        if (el.type === 'hidden') continue;
        el.focus();
        if (document.activeElement !== el) continue;
        const s = getComputedStyle(el);
        out.push({ el: el.outerHTML.slice(0, 60), style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor });
      }
      return out;
    });
    assert.ok(rings.length >= 20, `focusable elements checked: ${rings.length}`);
    const lum = (c) => {
      const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const r of rings) {
      assert.notEqual(r.style, 'none', `${r.el}: focus outline`);
      assert.ok(r.width >= 2, `${r.el}: focus outline width ${r.width}`);
      const contrast = 1.05 / (lum(r.color) + 0.05);
      assert.ok(contrast >= 3, `${r.el}: focus outline ${r.color} has ${contrast.toFixed(2)}:1 against white`);
    }
    await ctx.close();
  });

  it('labels the tellers\' forms and keeps the tellers\' pages legible', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await login(page, 'presidium');
    const tellersPath = `/assemblies/${ASSEMBLY}/sessions/${SESSION}/tellers`;
    await page.goto(tellersPath);
    // The presidium's form to name the tellers.
    assert.equal(await page.locator('main form textarea#members').count(), 1);
    assert.deepEqual(await unlabelled(page), [], 'tellers page (chair)');
    assert.deepEqual(await lowContrast(page), [], 'tellers page: text under WCAG AA contrast');
    // Named a teller, the presidium member gets the form for their own key.
    const me = JSON.parse(await (await ctx.request.get(`${server.url}/api/v1/me`)).text());
    assert.ok(me.member, `the presidium login stands for a member: ${JSON.stringify(me)}`);
    await page.locator('#members').fill(me.member);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('done') === 'appointed'),
      page.locator('form:has(#members) button[type=submit]').click(),
    ]);
    assert.equal(await page.locator('main form textarea#key').count(), 1, 'the key form');
    assert.deepEqual(await unlabelled(page), [], 'tellers page (teller)');
    assert.deepEqual(await lowContrast(page), [], 'tellers page (teller): contrast');
    await shot(page, 'desktop-tellers');
    // The CPPCC's poll counted by its tellers, as the public sees it.
    await page.goto('/assemblies/taiyuan-zx-14/polls/1');
    assert.equal(await page.locator('#tellers li').count(), 3);
    assert.deepEqual(await lowContrast(page), [], 'teller-counted poll: contrast');
    await shot(page, 'desktop-poll-counted-by-tellers');
    assert.deepEqual(ctx.pageErrors, []);
    await ctx.close();
  });

  it('labels the hall code and keeps the hall screen legible', async () => {
    const meeting = `/assemblies/${ASSEMBLY}/meetings/rd15-1-plenary-2`;
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await login(page, 'secretariat');
    for (const path of [meeting, `${meeting}/hall-code`]) {
      await page.goto(path);
      assert.deepEqual(await unlabelled(page), [], `${path}: fields without a label`);
      assert.deepEqual(await lowContrast(page), [], `${path}: text under WCAG AA contrast`);
    }
    // A deputy not yet checked in: the code's field, on the dashboard and on the
    // page the hall's QR code opens.
    const me = await apiAs(server, 'GET', '/api/v1/me', 'presidium');
    await apiAs(server, 'POST', `/api/v1/assemblies/${ASSEMBLY}/meetings/rd15-1-plenary-2/leave`, 'secretariat', {
      member: me.member,
      reason: '临时离会',
    });
    const deputy = await (await newContext(browser, server)).newPage();
    await login(deputy, 'presidium');
    for (const path of ['/', `${meeting}/check-in?hall_code=123456`]) {
      await deputy.goto(path);
      assert.equal(await deputy.locator('#hall_code').count(), 1, `${path}: the code's field`);
      assert.deepEqual(await unlabelled(deputy), [], `${path}: fields without a label`);
      assert.deepEqual(await lowContrast(deputy), [], `${path}: text under WCAG AA contrast`);
    }
    // By keyboard alone: the field, then the button.
    await deputy.locator('#hall_code').focus();
    await deputy.keyboard.press('Tab');
    assert.match(await focused(deputy), /^button/, 'after the code, Tab reaches the check-in button');
    await ctx.close();
  });

  it('names each agenda control after its item', async () => {
    const ctx = await newContext(browser, server);
    const page = await ctx.newPage();
    await login(page, 'secretariat');
    await page.goto(AGENDA_PATH);
    // The accessible name: aria-labelledby, else aria-label, else the text.
    const names = await page.locator('#agenda button').evaluateAll((bs) =>
      bs.map((b) => {
        const ids = b.getAttribute('aria-labelledby');
        if (ids) return ids.split(/\s+/).map((id) => document.getElementById(id)?.textContent.trim() ?? '').join(' ');
        return (b.getAttribute('aria-label') || b.textContent).trim();
      }),
    );
    assert.ok(names.length >= 8);
    assert.equal(new Set(names).size, names.length, `agenda buttons need distinct names: ${names.join(' | ')}`);
    for (const n of names) assert.match(n, /^(开始|完成|推迟|恢复) \S/, `the name starts with the visible label: ${n}`);
    // As assistive technology sees it.
    assert.equal(await page.getByRole('button', { name: '完成 审查和批准国民经济' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: '开始 通过各项决议', exact: true }).count(), 1);
    await ctx.close();
  });
});
