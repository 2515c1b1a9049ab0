// Measures how long the dashboard takes to become usable after its HTML has arrived, against a
// running stack (the API serving the console, as for `npm run e2e`).
//
//   CONSOLE_URL=http://127.0.0.1:8080 ADMIN_EMAIL=… ADMIN_PASSWORD=… node scripts/measure-load.mjs
//
// Optional: CHROMIUM_PATH (default /usr/bin/chromium; no browser is ever downloaded) and LOADS
// (default 20). It signs in once through `POST /api/v1/auth/session` (the HttpOnly refresh cookie
// lands in the browser context), then loads `/` LOADS times, each in a new browser context with
// that cookie and an empty HTTP cache. Per load it records, inside the page, the time from the
// HTML document's responseEnd (navigation timing) to the moment the daily figures card shows its
// data: the gauge's number (`.gauge-value`, rendered by DailyFigures only once
// GET /api/v1/monitoring/daily has answered) is in the DOM with text. A MutationObserver installed
// before any page script notes performance.now() at that moment, so polling does not blur it;
// the next animation frame (about when it is painted) is noted too.
//
// Prints p50 / p90 / max (nearest rank) and the JS + CSS the first load transferred (resource
// timing's encodedBodySize and transferSize; when the server sends them uncompressed, the gzip -9
// size of the same files is printed beside, the figure `npm run size` counts). It prints figures
// only: no threshold, no assertion.

import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';

const READY_SELECTOR = '.gauge-value';
const TIMEOUT_MS = 30_000;

const consoleUrl = (process.env.CONSOLE_URL ?? '').replace(/\/+$/, '');
const email = process.env.ADMIN_EMAIL;
const password = process.env.ADMIN_PASSWORD;
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const loads = Number(process.env.LOADS ?? 20);
if (!consoleUrl || !email || !password) {
  console.error('set CONSOLE_URL, ADMIN_EMAIL and ADMIN_PASSWORD (and optionally CHROMIUM_PATH, LOADS)');
  process.exit(2);
}
if (!Number.isInteger(loads) || loads < 1) {
  console.error(`LOADS must be a positive integer, not ${process.env.LOADS}`);
  process.exit(2);
}

const contextOptions = { baseURL: consoleUrl, locale: 'en-GB', viewport: { width: 1280, height: 900 } };

// Runs in the page before its own scripts: notes when the daily figures first show data.
function watchForReady(selector) {
  const { document, MutationObserver, requestAnimationFrame } = globalThis;
  const marks = {};
  globalThis.__measureLoad = marks;
  const check = () => {
    const element = document.querySelector(selector);
    if (!element || !element.textContent.trim()) return false;
    marks.readyAt = performance.now();
    requestAnimationFrame(() => {
      marks.frameAt = performance.now();
    });
    return true;
  };
  const observer = new MutationObserver(() => {
    if (check()) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

// Runs in the page once ready: the timings relative to the HTML's responseEnd, and the JS/CSS.
function collect() {
  const marks = globalThis.__measureLoad;
  const [navigation] = performance.getEntriesByType('navigation');
  const assets = performance
    .getEntriesByType('resource')
    .filter((entry) => /\.(js|css)(\?|$)/.test(new URL(entry.name).pathname))
    .map((entry) => ({
      path: new URL(entry.name).pathname,
      encoded: entry.encodedBodySize,
      decoded: entry.decodedBodySize,
      transfer: entry.transferSize,
      beforeReady: entry.responseEnd <= marks.readyAt,
    }));
  return {
    ready: marks.readyAt - navigation.responseEnd,
    frame: marks.frameAt - navigation.responseEnd,
    responseEnd: navigation.responseEnd,
    htmlEncoded: navigation.encodedBodySize,
    assets,
  };
}

async function loadOnce(browser, storageState) {
  const context = await browser.newContext({ ...contextOptions, storageState });
  try {
    const page = await context.newPage();
    await page.addInitScript(watchForReady, READY_SELECTOR);
    await page.goto('/', { waitUntil: 'commit', timeout: TIMEOUT_MS });
    await page.waitForFunction(() => globalThis.__measureLoad?.frameAt !== undefined, null, { timeout: TIMEOUT_MS });
    // Let lazy chunks (the history chart) finish too, so the first load's totals are complete.
    await page.waitForLoadState('networkidle', { timeout: TIMEOUT_MS });
    return await page.evaluate(collect);
  } finally {
    await context.close();
  }
}

const nearestRank = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (value) => `${value.toFixed(1)} ms`;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
try {
  const signIn = await browser.newContext(contextOptions);
  const response = await signIn.request.post('/api/v1/auth/session', { data: { email, password } });
  if (!response.ok()) {
    throw new Error(`POST /api/v1/auth/session answered ${response.status()}: ${await response.text()}`);
  }
  const storageState = await signIn.storageState();
  await signIn.close();
  if (!storageState.cookies.some((cookie) => cookie.name === 'console_session')) {
    throw new Error('signing in set no console_session cookie');
  }

  const results = [];
  for (let i = 0; i < loads; i += 1) {
    const result = await loadOnce(browser, storageState);
    results.push(result);
    console.log(
      `load ${String(i + 1).padStart(2)}: ready ${ms(result.ready).padStart(10)}  next frame ${ms(result.frame).padStart(10)}` +
        `  (HTML responseEnd at ${ms(result.responseEnd)})`,
    );
  }

  const summary = (key) => {
    const sorted = results.map((result) => result[key]).sort((a, b) => a - b);
    return `p50 ${ms(nearestRank(sorted, 50))}   p90 ${ms(nearestRank(sorted, 90))}   max ${ms(sorted[sorted.length - 1])}`;
  };
  console.log('');
  console.log(`HTML responseEnd -> daily figures shown (${READY_SELECTOR} with text), ${loads} cold loads:`);
  console.log(`  in the DOM   ${summary('ready')}`);
  console.log(`  next frame   ${summary('frame')}`);

  const first = results[0];
  const assetsContext = await browser.newContext(contextOptions);
  for (const asset of first.assets) {
    const body = await (await assetsContext.request.get(asset.path)).body();
    asset.gzip = gzipSync(body, { level: 9 }).length;
  }
  await assetsContext.close();
  const sum = (list, key) => list.reduce((total, asset) => total + asset[key], 0);
  const beforeReady = first.assets.filter((asset) => asset.beforeReady);
  console.log('');
  console.log('JS + CSS transferred by the first load (resource timing):');
  for (const asset of first.assets) {
    console.log(
      `  ${kb(asset.encoded).padStart(9)} encoded  ${kb(asset.decoded).padStart(9)} decoded  ` +
        `${kb(asset.transfer).padStart(9)} transfer  ${kb(asset.gzip).padStart(9)} gzip -9  ${asset.beforeReady ? 'before' : 'after '} ready  ${asset.path}`,
    );
  }
  console.log(
    `  until ready: ${beforeReady.length} files, ${kb(sum(beforeReady, 'encoded'))} encoded body ` +
      `(${kb(sum(beforeReady, 'decoded'))} decoded, ${kb(sum(beforeReady, 'transfer'))} with headers, ` +
      `${kb(sum(beforeReady, 'gzip'))} if gzipped)`,
  );
  console.log(
    `  whole load:  ${first.assets.length} files, ${kb(sum(first.assets, 'encoded'))} encoded body ` +
      `(${kb(sum(first.assets, 'decoded'))} decoded, ${kb(sum(first.assets, 'transfer'))} with headers, ` +
      `${kb(sum(first.assets, 'gzip'))} if gzipped)`,
  );
  const compressed = first.assets.some((asset) => asset.encoded < asset.decoded);
  console.log(`  (HTML document itself: ${kb(first.htmlEncoded)} encoded; JS/CSS sent ${compressed ? 'compressed' : 'uncompressed'})`);

  console.log('');
  console.log(
    `command: cd web && CONSOLE_URL=${consoleUrl} ADMIN_EMAIL=${email} ADMIN_PASSWORD=<hidden> ` +
      `CHROMIUM_PATH=${executablePath} LOADS=${loads} node scripts/measure-load.mjs`,
  );
} finally {
  await browser.close();
}
