// The e2e harness: a real shop-api (target/debug/shop-api or $SHOP_API_BIN) on a free port with a
// fresh data dir, serving dist/shop-web/browser; headless Chromium (Debian's, or $CHROMIUM) through
// playwright-core; steps, axe-core checks, screenshots (e2e/screenshots/) and the file mailbox.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '..');
const repo = resolve(web, '../..');
const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });
export { shots };

const bin = process.env.SHOP_API_BIN || join(repo, 'target/debug/shop-api');
const chromePath = process.env.CHROMIUM || '/usr/bin/chromium';
export const ADMIN = { email: 'admin@shop.test', password: 'Admin-e2e-password-7' };

let passed = 0;
export const passedSteps = () => passed;
export const step = async (name, fn) => {
  const t = Date.now();
  try { await fn(); passed++; console.log(`ok   ${name} (${Date.now() - t} ms)`); }
  catch (e) {
    console.error(`FAIL ${name}: ${e?.stack ?? e}`);
    if (e && typeof e === 'object') e.reported = true;
    throw e;
  }
};
export const assert = (cond, msg) => { if (!cond) throw new Error(msg); };

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

async function waitHealthy(base, proc) {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`shop-api exited with ${proc.exitCode}`);
    try { if ((await fetch(`${base}/healthz`)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('shop-api did not become healthy');
}

export async function axe(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result.violations) {
    console.log(`     axe ${name}: ${v.impact} ${v.id} (${v.nodes.length}) ${bad.includes(v) ? '<- FAIL' : ''}`);
  }
  assert(!bad.length, `axe on ${name}: ${bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; ')}`);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/**
 * Starts a shop-api with a fresh data dir and the admin above; `env` adds or overrides settings.
 * Mail links point at the app it serves (SHOP_PUBLIC_URL).
 */
export async function startShop(env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The harness's own settings are not shop-api's (it warns about unknown SHOP_ variables).
  const { SHOP_API_BIN: _bin, ...inherited } = process.env;
  const proc = spawn(bin, [], {
    env: {
      ...inherited, SHOP_BIND: `127.0.0.1:${port}`, SHOP_DATA_DIR: dataDir, SHOP_ADMIN_EMAIL: ADMIN.email,
      SHOP_ADMIN_PASSWORD: ADMIN.password, SHOP_WEB_DIR: join(web, 'dist/shop-web/browser'), SHOP_LOG: 'warn', SHOP_WORKER_POLL_MS: '50',
      SHOP_PUBLIC_URL: base, ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = () => { proc.kill('SIGTERM'); rmSync(dataDir, { recursive: true, force: true }); };
  try { await waitHealthy(base, proc); } catch (e) { stop(); throw e; }
  return { base, dataDir, stop };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: chromePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page of its own (own cookies and storage), logging page errors. */
export async function newPage(browser, who) {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`     [${who} page error] ${e.message}`));
  page.setDefaultTimeout(15000);
  return page;
}

/** Every mail of the file mailbox (`$SHOP_DATA_DIR/mail`, one JSON file each), oldest first. */
export function mails(dataDir) {
  let names = [];
  try { names = readdirSync(join(dataDir, 'mail')); } catch { return []; }
  const out = [];
  for (const name of names) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    try { out.push(JSON.parse(readFileSync(join(dataDir, 'mail', name), 'utf8'))); } catch { /* replaced meanwhile */ }
  }
  return out.sort((a, b) => a.sent_at.localeCompare(b.sent_at));
}

/** Waits for the `count`-th mail to `to` whose text has `contains`; answers it. */
export async function waitForMail(dataDir, { to, contains, count = 1, timeout = 15000 }) {
  const end = Date.now() + timeout;
  for (;;) {
    const found = mails(dataDir).filter((m) => m.to.includes(to) && m.text.includes(contains));
    if (found.length >= count) return found[count - 1];
    if (Date.now() > end) throw new Error(`no mail #${count} to ${to} with "${contains}" (mailbox: ${mails(dataDir).map((m) => `${m.to}: ${m.subject}`).join('; ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first link of a mail to `path` (`/verify`, `/reset-password`), as an absolute URL. */
export function mailLink(mail, path) {
  const url = mail.text.match(new RegExp(`https?://\\S+${path.replace(/[/-]/g, '\\$&')}\\?token=[^\\s"<>]+`))?.[0];
  assert(url, `mail "${mail.subject}" has no ${path} link: ${mail.text}`);
  return url;
}
