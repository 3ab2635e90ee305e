// Shared pieces of the end-to-end tests: a fresh `plenum demo` server per test
// file, Debian's headless Chromium driven by playwright-core, logins, screenshots.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = join(here, '..');
export const REPO_DIR = join(E2E_DIR, '..');
export const ARTIFACTS = join(E2E_DIR, 'artifacts');
export const CHROMIUM = process.env.PLENUM_E2E_CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'plenum-demo';
export const ASSEMBLY = 'taiyuan-rd-15';
export const SESSION = '15-1';
export const AGENDA_PATH = `/assemblies/${ASSEMBLY}/sessions/${SESSION}/agenda`;
export const MEMBERS_PATH = `/assemblies/${ASSEMBLY}/members`;

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
};

/** The plenum binary: $PLENUM_BIN, else debug/plenum in cargo's target directory. */
export function plenumBinary() {
  if (process.env.PLENUM_BIN) return process.env.PLENUM_BIN;
  let target = process.env.CARGO_TARGET_DIR;
  if (!target) {
    const meta = execFileSync('cargo', ['metadata', '--no-deps', '--format-version', '1'], {
      cwd: REPO_DIR,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    target = JSON.parse(meta).target_directory;
  }
  const bin = join(target, 'debug', 'plenum');
  if (!existsSync(bin)) throw new Error(`no plenum binary at ${bin}: run \`cargo build -p plenum\` (or e2e/run.sh)`);
  return bin;
}

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `plenum demo` on a port the OS picks, with a fresh SQLite file in a temp
 * folder, and waits until /healthz answers. Returns { url, logins, stop }.
 */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'plenum-e2e-'));
  const child = spawn(plenumBinary(), ['demo', '--listen', '127.0.0.1:0'], {
    cwd: dir,
    env: { ...process.env, PLENUM_DATABASE: `sqlite:${join(dir, 'demo.db')}`, PLENUM_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const deadline = Date.now() + 60_000;
  let url;
  for (;;) {
    const m = out.match(/running at (http:\/\/[^\s/]+)\//);
    if (m) url = m[1];
    if (url) {
      try {
        const r = await fetch(`${url}/healthz`);
        if (r.ok) break;
      } catch {
        /* not listening yet */
      }
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`plenum demo exited early (${child.exitCode ?? child.signalCode})\n${out}\n${err}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`plenum demo did not answer within 60 s\n${out}\n${err}`);
    }
    await sleep(100);
  }
  const logins = [...out.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1]);

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // graceful shutdown on Ctrl-C
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return { url, logins, stop, output: () => out + err };
}

/** Debian's Chromium, headless. Fails (never skips) when it is not installed. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium chromium-driver (e2e/run.sh does it)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A new browser context on the server, in Chinese unless told otherwise; JavaScript
 * errors on any of its pages, and parts of them that fail to load, are collected in
 * `ctx.pageErrors`.
 */
export async function newContext(browser, server, options = {}) {
  const ctx = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', ...DESKTOP, ...options });
  ctx.pageErrors = [];
  ctx.on('page', (p) => {
    p.on('pageerror', (e) => ctx.pageErrors.push(`${p.url()}: ${e.message}`));
    // A page's own parts (stylesheet, script, icon) must load: a failed one is an
    // error of the page. Documents and API calls may fail on purpose in a test.
    p.on('response', (r) => {
      const kind = r.request().resourceType();
      if (r.status() >= 400 && !['document', 'fetch', 'xhr', 'eventsource'].includes(kind)) {
        ctx.pageErrors.push(`${p.url()}: ${kind} ${r.url()} answered ${r.status()}`);
      }
    });
    // What the browser fetches by itself for a page, such as its icon, shows only
    // in the console.
    p.on('console', (m) => {
      const at = m.location().url;
      if (m.type() === 'error' && m.text().startsWith('Failed to load resource') && at && at !== p.url()) {
        ctx.pageErrors.push(`${p.url()}: ${at}: ${m.text()}`);
      }
    });
  });
  return ctx;
}

/** Logs in through the form, as a person would, and lands on the dashboard. */
export async function login(page, username, password = PASSWORD) {
  await page.goto('/login');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.locator('form.stack button[type=submit]').click()]);
}

/**
 * Saves a screenshot to e2e/artifacts/NAME.png: the whole page, or only the first
 * screenful of very long pages (the full member list would be 100,000 px tall).
 */
export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  const tall = await page.evaluate(() => document.documentElement.scrollHeight > 3 * window.innerHeight);
  await page.screenshot({ path, fullPage: !tall });
  return path;
}

/** Horizontal overflow of the page, in CSS pixels (0 when everything fits). */
export function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Calls the JSON API as `username` (a fresh token) and returns the answer, which must be a success. */
export async function apiAs(server, method, path, username, body) {
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
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
