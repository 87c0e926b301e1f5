#!/usr/bin/env node
// The report as a user sees it, in Debian chromium driven by playwright-core:
//   1. the exported HTML page (pgshift report --format html) of a real report: examples/shop on a real
//      PostgreSQL with data, pending migrations estimated against it, reversibility on PGlite;
//      light and dark colour schemes;
//   2. the report panel's UI bundle (webview-ui → webpack, built into a temp dir) in a plain page with
//      the panel's CSP and nonce, VS Code theme variables and a fake acquireVsCodeApi: the ready
//      handshake, the Refresh / Export buttons, and hide/show (a reload that must restore the report,
//      the scroll position and the opened sections from the webview state alone).
// Screenshots: test-results/report-*.png.
//
//   npx tsc -p . && node test/e2e/report.e2e.mjs [--report <result.json>]
// PGSHIFT_OUT selects another tsc output dir; TEST_DATABASE_URL an existing server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/code-server.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = path.join(REPO, 'test-results');
const OUT = process.env.PGSHIFT_OUT ?? path.join(REPO, 'out');
const require = createRequire(path.join(REPO, 'package.json'));

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const log = (s) => console.log(s);
const results = [];

async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t });
    log(`  ✔ ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    results.push({ name, ok: false, ms: Date.now() - t, error: String(e?.stack ?? e) });
    log(`  ✘ ${name}: ${e?.message ?? e}`);
  }
}

function load(p) {
  const file = path.join(OUT, p);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -p .\` first`);
  return require(file);
}

/** examples/shop on a real server: two migrations applied, data loaded, the rest pending. */
async function realReport(server) {
  const { buildReport } = load('src/core/report/index.js');
  const { openDriver, targetFromUrl, describeTarget } = load('src/core/db/open.js');
  const { discoverMigrations } = load('src/core/migrations/discover.js');
  const { loadConfig, migrationsDir } = load('src/core/config.js');
  const runner = load('src/core/runner/index.js');
  const db = await server.createScratchDatabase('pgshift_e2e_report');
  const loaded = loadConfig(path.join(REPO, 'examples', 'shop'));
  const set = discoverMigrations(migrationsDir(loaded), loaded.config.layout);
  const driver = await openDriver(targetFromUrl(db.url));
  try {
    await runner.up({ driver, set, to: '20260102090000' });
    await driver.exec(`
      INSERT INTO customers (email, name) SELECT 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 20000) g;
      INSERT INTO orders (customer_id, status, total_cents, placed_at)
        SELECT 1 + g % 20000, (ARRAY['pending', 'paid', 'shipped', 'cancelled', 'refunded'])[1 + g % 5], g * 7, now() - g * interval '1 minute'
          FROM generate_series(1, 200000) g;
      ANALYZE;`);
    const report = await buildReport({
      set,
      config: loaded.config,
      scope: { kind: 'pending' },
      driver,
      targetDescription: describeTarget(targetFromUrl(db.url)),
      verify: { kind: 'pglite' },
    });
    return { report, password: decodeURIComponent(new URL(db.url).password), drop: () => db.drop() };
  } finally {
    await driver.close();
  }
}

async function bundleWebview(dir) {
  const webpack = require('webpack');
  const configs = require(path.join(REPO, 'webpack.config.js'))(null, { mode: 'production' });
  const cfg = configs.find((c) => c.name === 'webview');
  cfg.output = { ...cfg.output, path: dir };
  await new Promise((resolve, reject) =>
    webpack(cfg, (err, stats) => {
      if (err) return reject(err);
      if (stats.hasErrors()) return reject(new Error(stats.toString('errors-only')));
      resolve();
    }),
  );
  return path.join(dir, 'webview.js');
}

// VS Code's Dark Modern colours for the variables the report and the panel use
const DARK_THEME = {
  '--vscode-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-widget-border': '#313131',
  '--vscode-textCodeBlock-background': '#2b2b2b',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-errorForeground': '#f85149',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", "Ubuntu", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': 'ui-monospace, "Droid Sans Mono", monospace',
};

/** The page the panel's host writes (report-panel.ts html()), with a fake VS Code API in front of the bundle. */
function webviewPage(css, bundleName) {
  const nonce = randomBytes(16).toString('base64');
  const vars = Object.entries(DARK_THEME)
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ');
  const csp = `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`;
  // the fake keeps its state in sessionStorage, which survives a reload the way VS Code keeps webview state
  const fake = `
    window.__posted = [];
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => JSON.parse(sessionStorage.getItem('vscode-state') || 'null'),
      setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
    });
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${nonce}">html { ${vars} } ${css}</style>
</head><body class="vscode-dark">
<script nonce="${nonce}">${fake}</script>
<script nonce="${nonce}" src="${bundleName}"></script>
</body></html>`;
}

async function main() {
  fs.mkdirSync(RESULTS, { recursive: true });
  for (const f of fs.readdirSync(RESULTS)) if (/^report-.*\.png$/.test(f)) fs.rmSync(path.join(RESULTS, f));
  const started = Date.now();
  const server = load('test/db/server.js');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-e2e-report-'));
  let browser;
  let real;
  try {
    log('report e2e: starting PostgreSQL and computing a report of examples/shop ...');
    await server.startTestServer();
    real = await realReport(server);
    const { report, password } = real;
    const { renderHtml, renderMarkdown } = load('src/core/report/index.js');
    const { REPORT_CSS } = load('src/core/report/render-html.js');
    const { PANEL_CSS } = load('webview-ui/src/styles.js');
    const htmlFile = path.join(RESULTS, 'report-export.html');
    fs.writeFileSync(htmlFile, renderHtml(report));
    fs.writeFileSync(path.join(RESULTS, 'report-export.md'), renderMarkdown(report));
    log('report e2e: bundling the webview UI ...');
    const bundle = await bundleWebview(work);
    fs.writeFileSync(
      path.join(work, 'panel.html'),
      webviewPage(REPORT_CSS + PANEL_CSS, path.basename(bundle)),
    );

    const { chromium } = require('playwright-core');
    browser = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await step('exported HTML renders the whole report, offline, without the password', async () => {
      await page.goto(`file://${htmlFile}`);
      await page.waitForSelector('.pgshift-report .score .value');
      const score = await page.textContent('.score .value');
      assert.equal(Number(score), report.score.score);
      assert.equal(await page.locator('section.migration').count(), report.migrations.length);
      const svg = await page.locator('.timeline svg').first().boundingBox();
      assert.ok(svg && svg.width > 300 && svg.height > 60, `timeline box ${JSON.stringify(svg)}`);
      assert.ok((await page.locator('.timeline svg rect.lock').count()) > 0, 'lock bars drawn');
      const text = await page.textContent('body');
      assert.ok(!text.includes(password), 'no password on the page');
      for (const h of [
        'Pre-flight data checks',
        'Reversibility',
        'Post-apply checks',
        'Performance estimate',
      ])
        assert.ok(text.includes(h), h);
      assert.match(text, /violate/, 'a pre-flight check found violating rows');
      assert.deepEqual(errors, []);
      await page.screenshot({ path: path.join(RESULTS, 'report-export-light.png'), fullPage: false });
      await page.locator('section.migration').nth(3).scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(RESULTS, 'report-export-migration.png') });
    });

    await step('exported HTML follows a dark colour scheme', async () => {
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.goto(`file://${htmlFile}`);
      const bg = await page.evaluate(
        () => window.getComputedStyle(document.querySelector('.pgshift-report')).backgroundColor,
      );
      assert.equal(bg, 'rgb(13, 17, 23)');
      await page.screenshot({ path: path.join(RESULTS, 'report-export-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });
    });

    const panelUrl = `file://${path.join(work, 'panel.html')}`;
    const posted = () => page.evaluate(() => window.__posted);
    // window.postMessage delivers in a later task: resolve only once the panel has handled it (a listener
    // added after the panel's runs after it), so the next read sees the message's effect, not a race
    const send = (m) =>
      page.evaluate(
        (msg) =>
          new Promise((resolve) => {
            window.addEventListener('message', () => resolve(), { once: true });
            window.postMessage(msg, '*');
          }),
        m,
      );

    await step(
      'webview: says ready, shows progress, renders the report the host sends, under the CSP',
      async () => {
        await page.goto(panelUrl);
        await page.waitForFunction(() => document.body.dataset.pgshift === 'ready');
        assert.deepEqual(await posted(), [{ type: 'ready', hasReport: false }]);
        assert.match(await page.textContent('#content'), /Computing the report/);
        assert.equal(await page.locator('#export-html').isDisabled(), true);
        await send({ type: 'progress', message: 'calibrating on the target' });
        assert.equal(await page.textContent('#status'), 'calibrating on the target…');
        await send({ type: 'report', report });
        await page.waitForSelector('#content .pgshift-report .score');
        assert.equal(await page.locator('#content section.migration').count(), report.migrations.length);
        assert.match(await page.textContent('#status'), new RegExp(`score ${report.score.score}/100`));
        const bg = await page.evaluate(() => window.getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, 'rgb(31, 31, 31)', 'theme colour from --vscode-editor-background');
        assert.deepEqual(await page.evaluate(() => window.__violations), [], 'no CSP violation');
        assert.deepEqual(errors, []);
        await page.screenshot({ path: path.join(RESULTS, 'report-webview.png') });
      },
    );

    await step(
      'webview: Refresh and Export post typed messages; a file link asks the host to open it',
      async () => {
        await page.evaluate(() => (window.__posted = []));
        await page.click('#refresh');
        await page.click('#export-html');
        await page.click('#export-md');
        await page.locator('#content [data-file][data-line]').first().click();
        const msgs = await posted();
        assert.deepEqual(msgs.slice(0, 3), [
          { type: 'refresh' },
          { type: 'export', format: 'html' },
          { type: 'export', format: 'md' },
        ]);
        assert.equal(msgs[3].type, 'openFile');
        assert.equal(msgs[3].file, report.migrations[0].file);
        assert.equal(msgs[3].line, report.migrations[0].statements[0].line);
        await send({ type: 'exported', format: 'html', path: '/work/shop/pgshift-report.html' });
        assert.equal(await page.textContent('#status'), 'Exported HTML to /work/shop/pgshift-report.html');
        await send({ type: 'error', message: 'connection refused', hint: 'is the server running?' });
        assert.equal(await page.locator('#status.error').count(), 1);
        await send({ type: 'nonsense', payload: 1 });
        assert.deepEqual(errors, []);
      },
    );

    await step(
      'webview: hidden and shown again (page reloaded), it restores the report, scroll and open sections from its state',
      async () => {
        await send({ type: 'report', report });
        await page
          .locator('#content details')
          .nth(1)
          .evaluate((d) => (d.open = true));
        const target = 900;
        await page.evaluate((y) => window.scrollTo(0, y), target);
        await page.waitForTimeout(400); // the state is saved 150 ms after the last change
        await page.reload();
        await page.waitForFunction(() => document.body.dataset.pgshift === 'ready');
        // no host message this time: everything comes from the state
        assert.deepEqual(await posted(), [
          { type: 'ready', hasReport: true, generatedAt: report.generatedAt },
        ]);
        assert.equal(await page.locator('#content section.migration').count(), report.migrations.length);
        assert.equal(
          await page
            .locator('#content details')
            .nth(1)
            .evaluate((d) => d.open),
          true,
        );
        const y = await page.evaluate(() => window.scrollY);
        assert.ok(Math.abs(y - target) < 5, `scroll restored to ${y}`);
        await page.screenshot({ path: path.join(RESULTS, 'report-webview-restored.png') });
      },
    );

    await step('webview: the timeline shows each lock with a tooltip', async () => {
      await page.evaluate(() => window.scrollTo(0, 0));
      const bar = page.locator('#content .timeline svg rect.lock').first();
      const title = await bar.locator('title').textContent();
      assert.match(title, /(ACCESS EXCLUSIVE|SHARE)[A-Z ]* on \w+ — blocks/);
      await page.locator('#content section.migration').nth(4).scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(RESULTS, 'report-webview-timeline.png') });
    });
  } catch (e) {
    results.push({ name: 'setup', ok: false, error: String(e?.stack ?? e) });
    log(`  ✘ setup: ${e?.stack ?? e}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await real?.drop().catch(() => undefined);
    await server.stopTestServer().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(
    `report e2e: ${passed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots: test-results/report-*.png`,
  );
  const reportFile = arg('--report');
  if (reportFile) fs.writeFileSync(reportFile, JSON.stringify({ passed, failed, steps: results }, null, 2));
  process.exitCode = failed ? 1 : 0;
}

await main();
