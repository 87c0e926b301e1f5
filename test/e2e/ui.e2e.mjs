#!/usr/bin/env node
// What a user sees: code-server (the real VS Code workbench) with the packaged pgshift.vsix
// installed, a copy of examples/shop open, driven in Debian chromium by playwright-core. Every step
// saves a screenshot in test-results/ (e2e-NN-<step>.png, e2e-FAILED-<step>.png on failure).
//
//   node test/e2e/ui.e2e.mjs [--vsix pgshift.vsix] [--example examples/shop] [--report <file.json>]
// Needs the vsix (`npm run package`); scripts/test-e2e.mjs builds it and runs this.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  REPO,
  SetupError,
  ensureCodeServer,
  installVsix,
  launchBrowser,
  makeRunDir,
  runLayout,
  startServer,
  workbenchUrl,
  writeSettings,
} from '../../scripts/code-server.mjs';

const RESULTS = path.join(REPO, 'test-results');
const STEP_TIMEOUT = 30_000;
const TOTAL_TIMEOUT = Number(process.env.PGSHIFT_E2E_TIMEOUT || 240) * 1000;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** The migration files of the example as a user would look for them in the tree. */
function migrations(dir) {
  return fs
    .readdirSync(path.join(dir, 'migrations'))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const m = /^(\d+)_(.+?)(\.(up|down))?\.sql$/.exec(file);
      return { file, version: m?.[1] ?? file, name: m?.[2] ?? file };
    });
}

// The editor renders spaces as U+00A0.
const text = (s) =>
  (s ?? '')
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export async function runUiTest({
  vsix,
  example = path.join(REPO, 'examples', 'shop'),
  log = console.log,
} = {}) {
  const started = Date.now();
  const steps = [];
  let page = null;
  let shotNo = 0;
  fs.mkdirSync(RESULTS, { recursive: true });
  for (const f of fs.readdirSync(RESULTS)) if (/^e2e-.*\.png$/.test(f)) fs.rmSync(path.join(RESULTS, f));

  async function shot(file) {
    if (!page) return null;
    const p = path.join(RESULTS, file);
    await page
      .screenshot({ path: p, timeout: 10_000 })
      .catch((e) => log(`  (screenshot failed: ${e.message})`));
    return p;
  }
  async function step(name, fn, { screenshot = true } = {}) {
    const t = Date.now();
    try {
      await fn();
      const file = screenshot ? await shot(`e2e-${String(++shotNo).padStart(2, '0')}-${name}.png`) : null;
      steps.push({ name, ok: true, ms: Date.now() - t, screenshot: file });
      log(`  ✔ ${name} (${Date.now() - t} ms)${file ? ` → ${path.relative(REPO, file)}` : ''}`);
    } catch (e) {
      const file = await shot(`e2e-FAILED-${name}.png`);
      steps.push({ name, ok: false, ms: Date.now() - t, error: String(e?.message ?? e), screenshot: file });
      log(`  ✘ ${name}: ${e?.message ?? e}${file ? `\n    screenshot: ${path.relative(REPO, file)}` : ''}`);
      throw e;
    }
  }

  const runDir = makeRunDir('pgs-e2e-');
  const layout = runLayout(runDir);
  const workspace = path.join(runDir, 'shop');
  let server = null;
  let browser = null;
  const watchdog = setTimeout(() => {
    log(`  ✘ e2e timed out after ${TOTAL_TIMEOUT / 1000} s (PGSHIFT_E2E_TIMEOUT)`);
    void shot('e2e-FAILED-timeout.png').finally(() => {
      void server?.stop();
      process.exit(1);
    });
  }, TOTAL_TIMEOUT);

  try {
    const expected = migrations(example);
    await step(
      'setup',
      async () => {
        assert.ok(fs.existsSync(vsix), `${vsix} is missing: run \`npm run package\``);
        assert.ok(expected.length > 0, 'examples/shop/migrations has no .sql files');
        fs.cpSync(example, workspace, { recursive: true });
        const cs = await ensureCodeServer({ log });
        writeSettings(layout);
        await installVsix(cs, { vsix, ...layout });
        // Trust off: its modal would cover the workbench; trust itself is tested in the extension suite.
        server = await startServer(cs, layout, {
          mode: 'code-server',
          workspace,
          disableWorkspaceTrust: true,
        });
        browser = await launchBrowser(layout);
        page = browser.pages()[0] ?? (await browser.newPage());
        page.setDefaultTimeout(STEP_TIMEOUT);
      },
      { screenshot: false },
    );

    await step('workbench', async () => {
      await page.goto(workbenchUrl(server, { folder: workspace }), { timeout: 60_000 });
      await page.locator('.monaco-workbench').waitFor();
      await page.locator('.part.activitybar').waitFor();
      // The Explorer shows the example: the workspace really is open.
      await page
        .locator('.explorer-folders-view .monaco-list-row', { hasText: 'migrations' })
        .first()
        .waitFor();
    });

    const container = page.locator('.part.activitybar').getByRole('tab', { name: /^pgshift/i });
    await step('activity-bar', async () => {
      await container.waitFor();
    });

    const migrationsPane = page.locator('.part.sidebar .pane', {
      has: page.locator('.pane-header', { hasText: /^Migrations/i }),
    });
    await step('migrations-view', async () => {
      await container.click();
      await page.mouse.move(700, 450); // no hover tooltip over the view in the screenshots
      await page.locator('.part.sidebar .composite.title', { hasText: /pgshift/i }).waitFor();
      await migrationsPane.waitFor();
      const header = migrationsPane.locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
      const rows = migrationsPane.locator('.monaco-list-row');
      await rows.first().waitFor();
      const isMigration = (t) => expected.some((m) => t.includes(m.version) || t.includes(m.name));
      let labels = (await rows.allTextContents()).map(text);
      if (!labels.some(isMigration)) {
        // Migrations may sit under a group (environment, directory): open the groups once.
        for (const r of await migrationsPane.locator('.monaco-list-row[aria-expanded="false"]').all())
          await r.click();
        await page.waitForTimeout(500);
        labels = (await rows.allTextContents()).map(text);
      }
      assert.ok(
        labels.some(isMigration),
        `no migration in the Migrations view; rows: ${JSON.stringify(labels)}`,
      );
    });

    await step('open-migration', async () => {
      const m = expected.find((x) => x.file.endsWith('.up.sql')) ?? expected[0];
      const firstLine = text(
        fs
          .readFileSync(path.join(workspace, 'migrations', m.file), 'utf8')
          .split('\n')
          .find((l) => l.trim()),
      );
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(m.file);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: m.file }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab.active', { hasText: m.file }).waitFor();
      const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines');
      await lines.waitFor();
      await page.waitForFunction(
        ([want]) => {
          const el = document.querySelector('.editor-group-container.active .monaco-editor .view-lines');
          return (
            !!el &&
            el.textContent
              .replace(/\u00a0/g, ' ')
              .replace(/\s+/g, ' ')
              .includes(want)
          );
        },
        [firstLine.slice(0, 40)],
        { timeout: STEP_TIMEOUT },
      );
      // The language mode in the status bar ("MS SQL" is VS Code's name for its built-in sql mode).
      await page.locator('[id="status.editor.mode"]', { hasText: /SQL/ }).waitFor();
    });
  } catch {
    // Reported per step above; the remaining steps do not run.
  } finally {
    clearTimeout(watchdog);
    if (browser)
      await Promise.race([
        browser.close().catch(() => {}),
        new Promise((r) => setTimeout(r, 10_000).unref()),
      ]);
    if (server) await server.stop();
    if (process.env.PGSHIFT_KEEP_RUN_DIR === '1') log(`  run dir kept: ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  }
  const passed = steps.filter((s) => s.ok).length;
  const failed = steps.length - passed;
  return { passed, failed, steps, seconds: (Date.now() - started) / 1000 };
}

async function main() {
  const vsix = path.resolve(arg('--vsix', path.join(REPO, 'pgshift.vsix')));
  const example = path.resolve(arg('--example', path.join(REPO, 'examples', 'shop')));
  const out = arg('--report', null);
  console.log('e2e: pgshift in the code-server workbench');
  let result;
  try {
    result = await runUiTest({ vsix, example });
  } catch (e) {
    console.error(e instanceof SetupError ? `error: ${e.message}` : e);
    result = { passed: 0, failed: 1, steps: [], seconds: 0 };
  }
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`e2e: ${result.passed} passed, ${result.failed} failed (${result.seconds.toFixed(1)} s)`);
  process.exitCode = result.failed > 0 || result.passed === 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
