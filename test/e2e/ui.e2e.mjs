#!/usr/bin/env node
// What a user sees: code-server (the real VS Code workbench) with the packaged pgshift.vsix
// installed, a copy of examples/shop open, driven in Debian chromium by playwright-core. Every step
// saves a screenshot in test-results/ (e2e-NN-<step>.png, e2e-FAILED-<step>.png on failure).
// The steps: the workbench and the Migrations view; the code lenses; ▶ Up on a migration (applied
// in the tree, the lens and the status bar, then in History); Dry run on a risky one (the lock report
// after the statement); the hover's explanation; switching to a real PostgreSQL from the status bar
// and cancelling a slow run from its progress notification; and an untrusted copy of the example
// (lint works, nothing runs).
//
//   node test/e2e/ui.e2e.mjs [--vsix pgshift.vsix] [--example examples/shop] [--report <file.json>]
// Needs the vsix (`npm run package`) and out/ (`npx tsc -p .`, for the test PostgreSQL server of
// test/db/server.ts); scripts/test-e2e.mjs does both and runs this.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  REPO,
  ensureCodeServer,
  installVsix,
  launchBrowser,
  makeRunDir,
  runLayout,
  startServer,
  workbenchUrl,
  writeSettings,
} from '../../scripts/code-server.mjs';
import { arg, runSuiteMain, stepRecorder, text } from './harness.mjs';

const require = createRequire(import.meta.url);
const STEP_TIMEOUT = 30_000;
const TOTAL_TIMEOUT = Number(process.env.PGSHIFT_E2E_TIMEOUT || 240) * 1000;

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

export async function runUiTest({
  vsix,
  example = path.join(REPO, 'examples', 'shop'),
  log = console.log,
} = {}) {
  const started = Date.now();
  const timings = {};
  let page = null;
  const { steps, shot, step } = stepRecorder({
    prefix: 'e2e',
    log,
    page: () => page,
    stepTimeout: STEP_TIMEOUT,
  });

  const runDir = makeRunDir('pgs-e2e-');
  const layout = runLayout(runDir);
  const workspace = path.join(runDir, 'shop');
  let server = null;
  let browser = null;
  // a real PostgreSQL (the db suite's embedded one, compiled to out/ by `npx tsc -p .`): the
  // environment a run is cancelled on, since cancelling means pg_cancel_backend on a server
  let postgres = null;
  // the second workbench, on an untrusted copy of the example
  let restricted = null;
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
        // an empty seeds folder, as a project that will have seeds: the file watcher knows it from the start
        fs.mkdirSync(path.join(workspace, 'seeds'));
        const cs = await ensureCodeServer({ log });
        postgres = require(path.join(REPO, 'out', 'test', 'db', 'server.js'));
        await postgres.startTestServer();
        const pgUrl = new URL(postgres.testServerUrl());
        // the environment as a user writes it: no password in any file; it comes from PGPASSWORD
        fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
        fs.writeFileSync(
          path.join(workspace, '.vscode', 'settings.json'),
          JSON.stringify(
            {
              'pgshift.environments': {
                'e2e-postgres': { url: `postgres://${pgUrl.username}@${pgUrl.host}${pgUrl.pathname}` },
              },
            },
            null,
            2,
          ) + '\n',
        );
        // no minimap: the dry-run marks after each statement get the editor's full width
        writeSettings(layout, { 'editor.minimap.enabled': false });
        await installVsix(cs, { vsix, ...layout });
        // Trust off: its modal would cover the workbench; trust itself is tested in the extension suite.
        server = await startServer(cs, layout, {
          mode: 'code-server',
          workspace,
          disableWorkspaceTrust: true,
          env: { PGPASSWORD: decodeURIComponent(pgUrl.password) },
        });
        browser = await launchBrowser(layout);
        page = browser.pages()[0] ?? (await browser.newPage());
        await page.setViewportSize({ width: 1600, height: 960 });
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
      // a wider sidebar, as a user would drag it: the states and dates fit beside the names
      const side = await page.locator('.part.sidebar').boundingBox();
      if (side && side.width < 400) {
        const x = side.x + side.width + 1;
        await page.mouse.move(x, side.y + side.height / 2);
        await page.mouse.down();
        await page.mouse.move(x + 140, side.y + side.height / 2, { steps: 8 });
        await page.mouse.up();
      }
      await page.mouse.move(900, 450); // no hover tooltip over the view in the screenshots
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

    // --- the editor features: lenses, ▶ Up, the tree and History, Dry run, the hover ---------------
    const editorLines = '.editor-group-container.active .monaco-editor .view-lines';
    async function openFile(file) {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(file);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab.active', { hasText: file }).waitFor();
      await page.locator(editorLines).waitFor();
    }
    const lens = (title) =>
      page.locator('.editor-group-container.active .codelens-decoration a', { hasText: title }).first();
    const lensText = async () =>
      text(await page.locator('.editor-group-container.active .codelens-decoration').first().textContent());
    const rowOf = (pane, name) => pane.locator('.monaco-list-row', { hasText: name }).first();
    /** Writes a migration's files, opens its up script from the Migrations view, waits for its pending lens. */
    const openNewMigration = async (name, files) => {
      for (const [suffix, sql] of Object.entries(files))
        fs.writeFileSync(path.join(workspace, 'migrations', `${name}.${suffix}.sql`), sql);
      const row = rowOf(migrationsPane, name.replace(/^\d+_/, ''));
      await row.waitFor();
      await row.click();
      await page.locator('.tabs-container .tab.active', { hasText: `${name}.up.sql` }).waitFor();
      await page.waitForFunction(() =>
        [...document.querySelectorAll('.editor-group-container.active .codelens-decoration')].some((e) =>
          /e2e-postgres: pending/.test(e.textContent ?? ''),
        ),
      );
    };
    const historyPane = page.locator('.part.sidebar .pane', {
      has: page.locator('.pane-header', { hasText: /^History/i }),
    });
    const upTo = expected.find((m) => m.name === 'validate_orders_status_check') ?? expected[0];
    const risky = expected.find((m) => m.name === 'orders_total_numeric' && m.file.endsWith('.up.sql'));
    const appliedNames = expected
      .filter((m) => m.file.endsWith('.up.sql') && m.version <= upTo.version)
      .map((m) => m.name);
    timings.appliedCount = appliedNames.length;

    await step('lenses', async () => {
      await openFile(`${upTo.version}_${upTo.name}.up.sql`);
      await lens('▶ Up').waitFor();
      await lens('Dry run').waitFor();
      await lens('Report').waitFor();
      await page.waitForFunction(() =>
        [...document.querySelectorAll('.editor-group-container.active .codelens-decoration')].some((e) =>
          /Local sandbox: pending/.test(e.textContent ?? ''),
        ),
      );
      const t = await lensText();
      assert.match(t, /▶ Up.*Dry run.*Report.*Local sandbox: pending/, t);
    });

    await step(
      'up-applied-in-tree',
      async () => {
        const t = Date.now();
        await lens('▶ Up').click();
        // the first run creates the embedded database (initdb in PGlite): allow for it
        const applied = rowOf(migrationsPane, upTo.name);
        await page.waitForFunction(
          ([name]) => {
            const rows = [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')];
            const row = rows.find((r) => (r.textContent ?? '').includes(name));
            return !!row && /applied \d{4}-\d\d-\d\d/.test(row.textContent ?? '');
          },
          [upTo.name],
          { timeout: 120_000 },
        );
        timings.upMs = Date.now() - t;
        for (const name of appliedNames)
          assert.match(
            text(await rowOf(migrationsPane, name).textContent()),
            /applied \d{4}-\d\d-\d\d/,
            name,
          );
        assert.match(text(await rowOf(migrationsPane, 'orders_total_numeric').textContent()), /pending/);
        await applied.waitFor();
        // the lens follows, and the status bar counts what is left
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.editor-group-container.active .codelens-decoration')].some((e) =>
            /Local sandbox: applied \d{4}-\d\d-\d\d · /.test(e.textContent ?? ''),
          ),
        );
        await page
          .locator('.statusbar-item', { hasText: /Local sandbox · \d+ pending/ })
          .first()
          .waitFor();
        await page.mouse.move(900, 450);
      },
      { timeout: 150_000 },
    );

    await step('history', async () => {
      const header = historyPane.locator('.pane-header');
      await header.waitFor();
      if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
      await rowOf(historyPane, upTo.name).waitFor();
      const rows = (await historyPane.locator('.monaco-list-row').allTextContents()).map(text);
      assert.ok(rows.length >= appliedNames.length, `History rows: ${JSON.stringify(rows)}`);
      assert.match(rows[0], new RegExp(`${upTo.name}.*up · \\d{4}-\\d\\d-\\d\\d`), 'newest first');
      await page.mouse.move(900, 450);
    });

    await step(
      'dry-run-lock-report',
      async () => {
        await openFile(risky.file);
        await lens('Dry run').waitFor();
        // the lens shows the state first: wait for it so the click hits the right link
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.editor-group-container.active .codelens-decoration')].some((e) =>
            /Local sandbox: pending/.test(e.textContent ?? ''),
          ),
        );
        await lens('Dry run').click();
        // the decoration after the statement: CSS ::after content or injected text, depending on the build
        const report = await page.waitForFunction(
          ([sel]) => {
            const root = document.querySelector(sel);
            if (!root) return null;
            for (const el of root.querySelectorAll('span')) {
              const after = window.getComputedStyle(el, '::after').content;
              const own = el.textContent ?? '';
              for (const t of [after, own])
                if (/dry run · ACCESS EXCLUSIVE on orders/.test(t)) return t.replace(/^"|"$/g, '');
            }
            return null;
          },
          [editorLines],
          { timeout: 60_000 },
        );
        const shown = await report.jsonValue();
        assert.match(shown, /ACCESS EXCLUSIVE on orders · rewrites · [\d.]+ m?s/, shown);
        timings.dryRunText = shown;
        // the progress notification (with its Cancel) goes once the dry run is over
        await page
          .locator('.notification-toast', { hasText: 'pgshift: dry run (' })
          .waitFor({ state: 'detached', timeout: 15_000 });
        await page
          .locator('.notification-toast', { hasText: /rolled back — ACCESS EXCLUSIVE on orders/ })
          .waitFor();
        await page.mouse.move(900, 450);
        await page.waitForTimeout(500); // let the toasts finish sliding
      },
      { timeout: 90_000 },
    );

    await step('hover-explains-risk', async () => {
      // the notifications would cover the hover in the screenshot
      await page.keyboard.press('Control+Shift+P');
      await page.locator('.quick-input-widget input').fill('>Notifications: Clear All Notifications');
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'Clear All Notifications' })
        .first()
        .waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.notification-toast').first().waitFor({ state: 'detached' });
      const line = page.locator(`${editorLines} .view-line`, { hasText: 'ALTER COLUMN total_cents' }).first();
      await line.waitFor();
      const box = await line.boundingBox();
      await page.mouse.move(box.x + 40, box.y + box.height / 2);
      const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: /ACCESS EXCLUSIVE/ }).first();
      await hover.waitFor();
      const t = text(await hover.textContent());
      assert.match(t, /rewrites orders/, t);
      assert.match(t, /changing-column-type/, t);
      // the dry run's trace of the same line is in the hover too
      assert.match(t, /pgshift dry run on Local sandbox/, t);
    });

    // --- another environment, and a run cancelled from its progress notification --------------------
    const slow = '20260301090000_slow_backfill';
    await step('switch-environment', async () => {
      // a new migration appears in the tree by itself (the folder is watched)
      fs.writeFileSync(
        path.join(workspace, 'migrations', `${slow}.up.sql`),
        '-- stands in for a long backfill\nSELECT pg_sleep(60);\n',
      );
      fs.writeFileSync(path.join(workspace, 'migrations', `${slow}.down.sql`), 'SELECT 1;\n');
      await rowOf(migrationsPane, 'slow_backfill').waitFor();
      await page
        .locator('.statusbar-item', { hasText: /Local sandbox · 3 pending/ })
        .first()
        .click();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'e2e-postgres' }).first().waitFor();
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'Local sandbox' })
        .first()
        .waitFor();
    });

    await step(
      'cancel-run',
      async () => {
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'e2e-postgres' }).first().click();
        await page
          .locator('.statusbar-item', { hasText: /e2e-postgres · 9 pending/ })
          .first()
          .waitFor();
        // a click on the migration in the tree opens its up script
        await rowOf(migrationsPane, 'slow_backfill').click();
        await page.locator('.tabs-container .tab.active', { hasText: `${slow}.up.sql` }).waitFor();
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.editor-group-container.active .codelens-decoration')].some((e) =>
            /e2e-postgres: pending/.test(e.textContent ?? ''),
          ),
        );
        await lens('▶ Up').click();
        const progress = page.locator('.notification-toast', { hasText: /slow_backfill/ }).first();
        await progress.waitFor();
        await page.waitForTimeout(1000); // pg_sleep is running on the server now
        const t = Date.now();
        await progress.getByRole('button', { name: 'Cancel' }).click();
        await page.locator('.notification-toast', { hasText: /slow_backfill was cancelled/ }).waitFor();
        timings.cancelMs = Date.now() - t;
        assert.ok(timings.cancelMs < 15_000, `cancelling took ${timings.cancelMs} ms`);
        // a truthful state: the cancelled migration is still pending, the ones before it are applied
        await page.waitForFunction(() => {
          const rows = [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].map(
            (r) => r.textContent ?? '',
          );
          return (
            rows.some((r) => /orders_total_numeric\s*applied/.test(r)) &&
            rows.some((r) => /slow_backfill\s*pending/.test(r))
          );
        });
        await rowOf(historyPane, 'slow_backfill').waitFor();
        assert.match(
          text(await historyPane.locator('.monaco-list-row').first().textContent()),
          /slow_backfill.*up · failed/,
        );
        await page.mouse.move(900, 450);
      },
      { timeout: 60_000 },
    );

    // --- a batched backfill: progress with ETA, Pause / Resume, live done/total in the tree ------------
    await step(
      'batched-backfill',
      async () => {
        // the slow stand-in is fixed by its author; a real backfill follows it, batched
        fs.writeFileSync(path.join(workspace, 'migrations', `${slow}.up.sql`), 'SELECT 1;\n');
        const seed = '20260302090000_create_events';
        const batched = '20260303090000_backfill_events';
        fs.writeFileSync(
          path.join(workspace, 'migrations', `${seed}.up.sql`),
          'CREATE TABLE events (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0);\n' +
            'INSERT INTO events (id) SELECT g FROM generate_series(1, 300000) g;\n',
        );
        fs.writeFileSync(path.join(workspace, 'migrations', `${seed}.down.sql`), 'DROP TABLE events;\n');
        fs.writeFileSync(
          path.join(workspace, 'migrations', `${batched}.up.sql`),
          '-- pgshift:batch size=1000 delay=40ms\nUPDATE events SET n = n + 1;\n',
        );
        fs.writeFileSync(
          path.join(workspace, 'migrations', `${batched}.down.sql`),
          '-- pgshift:batch size=5000\nUPDATE events SET n = n - 1;\n',
        );
        await rowOf(migrationsPane, 'backfill_events').waitFor();
        await rowOf(migrationsPane, 'backfill_events').click();
        await page.locator('.tabs-container .tab.active', { hasText: `${batched}.up.sql` }).waitFor();
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.editor-group-container.active .codelens-decoration')].some((e) =>
            /e2e-postgres: pending/.test(e.textContent ?? ''),
          ),
        );
        await lens('▶ Up').click();
        // the progress notification: rows done of the total, rows/s and the ETA
        await page
          .locator('.notification-toast', {
            hasText: /20260303090000: \d+% · [\d,]+ \/ 300,000 rows · [\d,]+ rows\/s · ETA/,
          })
          .first()
          .waitFor({ timeout: 60_000 });
        // the running migration in the tree, live
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].some((r) =>
            /backfill_events\s*\d+% · [\d,]+ \/ 300,000 rows/.test(r.textContent ?? ''),
          ),
        );
        // the migrations this run applied before it say so already, not only once the run has ended
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].some((r) =>
            /create_events\s*applied just now/.test(r.textContent ?? ''),
          ),
        );
        await page.mouse.move(900, 450);
        await shot('e2e-batched-backfill-progress.png');
        // Pause from its notification: the batch in flight commits, no new one starts
        const offer = page.locator('.notification-toast', { hasText: /runs in batches/ }).first();
        await offer.getByRole('button', { name: 'Pause' }).click();
        await page
          .locator('.notification-toast', { hasText: /20260303090000 is paused/ })
          .first()
          .waitFor();
        const pausedRow = async () =>
          text(
            await migrationsPane
              .locator('.monaco-list-row', { hasText: 'backfill_events' })
              .first()
              .textContent(),
          );
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].some((r) =>
            /backfill_events\s*paused · \d+% · [\d,]+ \/ 300,000 rows/.test(r.textContent ?? ''),
          ),
        );
        const pg = require('pg');
        const db = new pg.Client({ connectionString: postgres.testServerUrl() });
        await db.connect();
        try {
          const doneNow = async () =>
            Number((await db.query('SELECT count(*) FROM events WHERE n = 1')).rows[0].count);
          const atPause = await doneNow();
          assert.ok(atPause > 0 && atPause < 300_000, `rows done when paused: ${atPause}`);
          await page.waitForTimeout(2000);
          const later = await doneNow();
          assert.equal(later, atPause, 'a batch ran while paused');
          const row = await pausedRow();
          const shown = Number(/([\d,]+) \/ 300,000/.exec(row)?.[1].replace(/,/g, ''));
          assert.equal(shown, atPause, `the tree says ${row}, the table has ${atPause} rows done`);
          timings.pausedAtRows = atPause;
          await page.mouse.move(900, 450);
          await shot('e2e-batched-backfill-paused.png');
          // Resume: it goes on from the checkpoint to the end
          await page
            .locator('.notification-toast', { hasText: /20260303090000 is paused/ })
            .first()
            .getByRole('button', { name: 'Resume' })
            .click();
          const t = Date.now();
          await page
            .locator('.notification-toast', { hasText: /Applied 3 migrations on e2e-postgres/ })
            .first()
            .waitFor({ timeout: 90_000 });
          timings.resumedToDoneMs = Date.now() - t;
          await page.waitForFunction(() =>
            [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].some((r) =>
              /backfill_events\s*applied/.test(r.textContent ?? ''),
            ),
          );
          const counts = (await db.query('SELECT n, count(*)::int AS c FROM events GROUP BY n')).rows;
          assert.deepEqual(counts, [{ n: 1, c: 300000 }], 'every row once');
        } finally {
          await db.end();
        }
        await page.mouse.move(900, 450);
      },
      { timeout: 150_000 },
    );

    // --- the health gate before a first batch: a VACUUM on the table holds the backfill, and it says so ---
    await step(
      'backfill-waits-for-vacuum',
      async () => {
        const again = '20260304090000_backfill_events_again';
        const pg = require('pg');
        const db = new pg.Client({ connectionString: postgres.testServerUrl() });
        const vac = new pg.Client({ connectionString: postgres.testServerUrl() });
        await db.connect();
        await vac.connect();
        try {
          // the backfill before left 300,000 dead rows; a VACUUM throttled to a crawl lasts until cancelled
          const vacPid = (await vac.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
          await vac.query('SET vacuum_cost_delay = 100');
          await vac.query('SET vacuum_cost_limit = 1');
          const vacuum = vac.query('VACUUM events').catch((e) => e);
          await openNewMigration(again, {
            up: '-- pgshift:batch size=5000\nUPDATE events SET n = n + 1;\n',
            down: '-- pgshift:batch size=5000\nUPDATE events SET n = n - 1;\n',
          });
          await lens('▶ Up').click();
          // before its first batch: the notification and the tree say why nothing moves
          await page
            .locator('.notification-toast', {
              hasText: /20260304090000: waiting: "events" is being vacuumed/,
            })
            .first()
            .waitFor({ timeout: 30_000 });
          await page.waitForFunction(() =>
            [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].some((r) =>
              /backfill_events_again\s*waiting: "events" is being vacuumed/.test(r.textContent ?? ''),
            ),
          );
          const twice = async () =>
            Number((await db.query('SELECT count(*) FROM events WHERE n = 2')).rows[0].count);
          assert.equal(await twice(), 0, 'a batch ran during the VACUUM');
          await page.mouse.move(900, 450);
          await shot('e2e-backfill-waits-for-vacuum.png');
          const t = Date.now();
          await db.query('SELECT pg_cancel_backend($1)', [vacPid]);
          await vacuum;
          await page
            .locator('.notification-toast', { hasText: /Applied 20260304090000 backfill_events_again/ })
            .first()
            .waitFor({ timeout: 60_000 });
          timings.vacuumToDoneMs = Date.now() - t;
          assert.equal(await twice(), 300_000, 'every row once more');
        } finally {
          await vac.end();
          await db.end();
        }
        await page.mouse.move(900, 450);
      },
      { timeout: 120_000 },
    );

    // --- the live view: an ALTER waits behind a reporting session; the tree names it; Terminate it ----
    await step(
      'blocked-migration',
      async () => {
        const alter = '20260305090000_add_events_note';
        const pg = require('pg');
        const url = new URL(postgres.testServerUrl());
        const client = (app) => {
          const u = new URL(url);
          u.searchParams.set('application_name', app);
          return new pg.Client({ connectionString: u.toString() });
        };
        const reporting = client('reporting'); // idle in its transaction: only Terminate frees its lock
        const analytics = client('analytics'); // running a query in its transaction: Cancel Query aborts it
        const apps = [client('shop-web'), client('shop-web'), client('shop-worker')];
        const db = new pg.Client({ connectionString: postgres.testServerUrl() });
        const all = [reporting, analytics, ...apps, db];
        await Promise.all(all.map((c) => c.connect()));
        reporting.on('error', () => undefined); // it is terminated below
        try {
          const pidOf = async (c) => (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
          const reportingPid = await pidOf(reporting);
          const analyticsPid = await pidOf(analytics);
          for (const c of [reporting, analytics]) {
            await c.query('BEGIN');
            await c.query('SELECT count(*) FROM events');
          }
          const sleeping = analytics.query('SELECT pg_sleep(60)').then(
            () => 'finished',
            (e) => e.code,
          );
          await openNewMigration(alter, {
            up: "-- long enough to look\nSET LOCAL lock_timeout = '60s';\nALTER TABLE events ADD COLUMN note text;\n",
            down: 'ALTER TABLE events DROP COLUMN note;\n',
          });
          const t = Date.now();
          await lens('▶ Up').click();
          // the Running section under the migration names the sessions it waits on
          const rowFor = (pid, app) =>
            migrationsPane.locator('.monaco-list-row', { hasText: `waits on pid ${pid} ${app}` }).first();
          const reportingRow = rowFor(reportingPid, 'reporting');
          const analyticsRow = rowFor(analyticsPid, 'analytics');
          await reportingRow.waitFor({ timeout: 30_000 });
          await analyticsRow.waitFor({ timeout: 10_000 });
          timings.blockerShownMs = Date.now() - t;
          assert.match(
            text(await reportingRow.textContent()),
            /idle in transaction · transaction [\d.]+ (ms|s)/,
          );
          assert.match(
            text(await analyticsRow.textContent()),
            /active · transaction [\d.]+ (ms|s) · SELECT pg_sleep/,
          );
          // three application sessions queue behind the waiting ALTER: counted under it
          const reads = apps.map((c) => c.query('SELECT count(*) FROM events'));
          await migrationsPane
            .locator('.monaco-list-row', { hasText: /3 sessions wait behind it/ })
            .first()
            .waitFor({ timeout: 10_000 });
          await page.mouse.move(900, 450);
          await shot('e2e-blocked-migration.png');
          const confirm = async (row, action, button) => {
            await row.hover();
            await row.locator(`.action-label[aria-label*="${action}"]`).click();
            const dialog = page.locator('.monaco-dialog-box');
            await dialog.waitFor();
            const said = text(await dialog.textContent());
            await dialog.getByRole('button', { name: button }).click();
            await dialog.waitFor({ state: 'detached' });
            return said;
          };
          // Cancel Query on analytics: its query fails, which aborts its transaction and frees its lock
          const said = await confirm(analyticsRow, 'Cancel the Blocking', 'Cancel Query');
          assert.match(said, new RegExp(`pid ${analyticsPid} \\(analytics`));
          assert.equal(await sleeping, '57014', 'the blocker’s query was cancelled (query_canceled)');
          await analyticsRow.waitFor({ state: 'detached', timeout: 10_000 });
          assert.equal(await reportingRow.count(), 1, 'still waiting on reporting');
          // Terminate reporting: then the ALTER goes through and the queue drains
          assert.match(
            await confirm(reportingRow, 'Terminate', 'Terminate Session'),
            new RegExp(`Terminate pid ${reportingPid} \\(reporting`),
          );
          await page
            .locator('.notification-toast', { hasText: /Applied 20260305090000 add_events_note/ })
            .first()
            .waitFor({ timeout: 30_000 });
          await Promise.all(reads);
          const gone = await db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [
            reportingPid,
          ]);
          assert.equal(gone.rows[0].n, 0, 'the reporting session was terminated');
          const col = await db.query(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'note'",
          );
          assert.equal(col.rows.length, 1, 'the ALTER went through');
          await page.waitForFunction(() =>
            [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].every(
              (r) => !/waits on pid/.test(r.textContent ?? ''),
            ),
          );
        } finally {
          await Promise.all(all.map((c) => c.end().catch(() => undefined)));
        }
        await page.mouse.move(900, 450);
      },
      { timeout: 120_000 },
    );

    // --- a destroying migration: backed up automatically, shown in History, restored from there ------
    await step(
      'backup-restore',
      async () => {
        const drop = '20260306090000_drop_events_n';
        const pg = require('pg');
        const db = new pg.Client({ connectionString: postgres.testServerUrl() });
        await db.connect();
        try {
          const md5 = async () =>
            (await db.query(`SELECT md5(string_agg(id || ':' || n, ',' ORDER BY id)) AS h FROM events`))
              .rows[0].h;
          const before = await md5();
          await openNewMigration(drop, {
            up: 'ALTER TABLE events DROP COLUMN n;\n',
            down: 'ALTER TABLE events ADD COLUMN n int NOT NULL DEFAULT 0;\n',
          });
          // the statement's hint: backed up automatically, with the size from the server's catalog
          await page
            .locator('.editor-group-container.active .squiggly-hint')
            .first()
            .waitFor({ timeout: 20_000 });
          // the hint's dots are under the statement's first word
          const first = page
            .locator('.editor-group-container.active .view-line span span', { hasText: 'ALTER' })
            .first();
          const box = await first.boundingBox();
          await page.mouse.move(box.x + 4, box.y + box.height / 2);
          const hover = page.locator('.monaco-hover', { hasText: /backed up automatically/ }).first();
          await hover.waitFor({ timeout: 15_000 });
          assert.match(
            text(await hover.textContent()),
            /backed up automatically before it runs \(≈ [\d.]+ (kB|MB) on e2e-postgres\): column events\.n into pgshift_archive/,
          );
          await shot('e2e-backup-hint.png');
          await page.mouse.move(900, 450);
          await lens('▶ Up').click();
          await page
            .locator('.notification-toast', { hasText: /Applied 20260306090000 drop_events_n/ })
            .first()
            .waitFor({ timeout: 30_000 });
          // History: the entry says it has a backup; expanded, what it holds
          const entry = rowOf(historyPane, 'drop_events_n');
          await entry.waitFor();
          assert.match(
            text(await entry.textContent()),
            /drop_events_n.*up · .*backup \d+ \([\d.]+ (kB|MB)\)/,
          );
          await entry.locator('.monaco-tl-twistie').click();
          const backupRow = historyPane
            .locator('.monaco-list-row', { hasText: /backup \d+: events\.n \(column, dropped\)/ })
            .first();
          await backupRow.waitFor();
          assert.match(text(await backupRow.textContent()), /300.000 rows/);
          const upEntry = historyPane
            .locator('.monaco-list-row', { hasText: /drop_events_n\s*up ·/ })
            .first();
          const restoreFrom = async (button) => {
            // History is read again after each run: expand the up entry again when it closed
            if ((await backupRow.count()) === 0) await upEntry.locator('.monaco-tl-twistie').click();
            await backupRow.waitFor();
            await backupRow.hover();
            await backupRow.locator('.action-label[aria-label*="Restore Backup"]').click();
            const dialog = page.locator('.monaco-dialog-box');
            await dialog.waitFor();
            const said = text(await dialog.textContent());
            await dialog.getByRole('button', { name: button, exact: true }).click();
            await dialog.waitFor({ state: 'detached' });
            return said;
          };
          // before the down migration put the column back, restoring says what to do first
          assert.match(await restoreFrom('Restore'), /events\.n \(column, dropped\)/);
          await page
            .locator('.notification-toast', { hasText: /events has no column n.*pgshift down/ })
            .first()
            .waitFor({ timeout: 20_000 });
          await shot('e2e-restore-needs-down.png');
          // ◀ Down from the migration's context menu in the Migrations view
          await rowOf(migrationsPane, 'drop_events_n').click({ button: 'right' });
          // the menu item by its role: a click on its label while the menu still lays itself out can be lost
          const downItem = page.getByRole('menuitem', { name: 'Down (Roll Back)' }).first();
          await downItem.waitFor();
          await downItem.hover();
          await downItem.click();
          // rolled back: the tree says so (its toast may be hidden behind the earlier ones)
          await page.waitForFunction(
            () =>
              [...document.querySelectorAll('.part.sidebar .pane .monaco-list-row')].some((r) =>
                /drop_events_n\s*pending/.test(r.textContent ?? ''),
              ),
            undefined,
            { timeout: 30_000 },
          );
          await restoreFrom('Restore');
          await page
            .locator('.notification-toast', {
              hasText: /backup \d+ restored and verified: events\.n \(column, dropped\): 300.000 rows/,
            })
            .first()
            .waitFor({ timeout: 30_000 });
          assert.equal(await md5(), before, 'the column holds what it held before the migration');
          // History read again: the backup says it was restored
          if ((await backupRow.count()) === 0) await upEntry.locator('.monaco-tl-twistie').click();
          await historyPane
            .locator('.monaco-list-row', { hasText: /backup \d+: events\.n.*restored/ })
            .first()
            .waitFor();
          await page.mouse.move(900, 450);
        } finally {
          await db.end().catch(() => undefined);
        }
      },
      { timeout: 120_000 },
    );

    // --- seed data of the selected environment: the Seeds node, Run Seeds --------------------------
    await step(
      'seeds',
      async () => {
        const write = (rel, sql) => {
          const f = path.join(workspace, 'seeds', rel);
          fs.mkdirSync(path.dirname(f), { recursive: true });
          fs.writeFileSync(f, sql);
        };
        write(
          'common/01_settings.sql',
          "CREATE TABLE IF NOT EXISTS app_settings (key text PRIMARY KEY, value text NOT NULL);\nINSERT INTO app_settings VALUES ('currency', 'EUR') ON CONFLICT (key) DO UPDATE SET value = excluded.value;\n",
        );
        write(
          'e2e-postgres/01_demo.sql',
          "INSERT INTO app_settings VALUES ('demo', 'on') ON CONFLICT DO NOTHING;\n",
        );
        write(
          'production/01_settings.sql',
          "INSERT INTO app_settings VALUES ('currency', 'USD') ON CONFLICT DO NOTHING;\n",
        );
        const node = rowOf(migrationsPane, /Seeds \(e2e-postgres\)/);
        // seen through the file watcher; if it is late, Refresh, as a user would
        const shown = async (locator) => {
          if (
            await locator.waitFor({ timeout: 8_000 }).then(
              () => true,
              () => false,
            )
          )
            return;
          log('    (the file watcher was late: Refresh)');
          await page.locator('.part.sidebar .pane-header', { hasText: /^Migrations/i }).hover();
          await page
            .locator('.part.sidebar .pane-header .action-label[aria-label*="Refresh"]')
            .first()
            .click();
          await locator.waitFor({ timeout: 20_000 });
        };
        await shown(node);
        assert.match(text(await node.textContent()), /Seeds \(e2e-postgres\)\s*2 to run · 0 applied/);
        const seedRow = (name, state) =>
          migrationsPane.locator('.monaco-list-row', { hasText: new RegExp(`${name}.*${state}`) }).first();
        // the node opens by itself
        await seedRow('common/01_settings\\.sql', 'new: runs on the next Up or Run Seeds').waitFor();
        await seedRow('e2e-postgres/01_demo\\.sql', 'new').waitFor();
        assert.equal(
          await migrationsPane.locator('.monaco-list-row', { hasText: 'production/01_settings.sql' }).count(),
          0,
          "another environment's seed is not listed as this one's",
        );
        await node.hover();
        await node.locator('.action-label[aria-label*="Run Seeds"]').click();
        await page
          .locator('.notification-toast', { hasText: /2 seed files ran on e2e-postgres/ })
          .first()
          .waitFor({ timeout: 30_000 });
        // the state is read again after the run; the node keeps its id, so it stays open
        await node.locator('[aria-label]').first().waitFor();
        await migrationsPane
          .locator('.monaco-list-row', { hasText: /Seeds \(e2e-postgres\)\s*2 applied/ })
          .first()
          .waitFor({ timeout: 20_000 });
        await seedRow('common/01_settings\\.sql', 'applied').waitFor({ timeout: 20_000 });
        await seedRow('e2e-postgres/01_demo\\.sql', 'applied').waitFor();
        await page.mouse.move(900, 450);
        await shot('e2e-seeds.png');
        const pg = require('pg');
        const db = new pg.Client({ connectionString: postgres.testServerUrl() });
        await db.connect();
        try {
          const rows = (await db.query('SELECT key, value FROM app_settings ORDER BY key')).rows;
          assert.deepEqual(
            rows.map((r) => `${r.key}=${r.value}`),
            ['currency=EUR', 'demo=on'],
          );
          const runs = (await db.query('SELECT environment, file FROM pgshift.seed_history ORDER BY id'))
            .rows;
          assert.deepEqual(
            runs.map((r) => `${r.environment}:${r.file}`),
            ['e2e-postgres:common/01_settings.sql', 'e2e-postgres:e2e-postgres/01_demo.sql'],
          );
        } finally {
          await db.end().catch(() => undefined);
        }
        // a changed file shows as changed, to run again
        write(
          'common/01_settings.sql',
          "CREATE TABLE IF NOT EXISTS app_settings (key text PRIMARY KEY, value text NOT NULL);\nINSERT INTO app_settings VALUES ('currency', 'CHF') ON CONFLICT (key) DO UPDATE SET value = excluded.value;\n",
        );
        await shown(seedRow('common/01_settings\\.sql', 'changed: runs again'));
      },
      { timeout: 90_000 },
    );

    // --- a risky rename becomes expand/contract migrations from its quick fix ------------------------
    await step(
      'expand-contract',
      async () => {
        const name = '20260307090000_rename_customers_email';
        const before = new Set(fs.readdirSync(path.join(workspace, 'migrations')));
        await openNewMigration(name, {
          up: 'ALTER TABLE customers RENAME COLUMN email TO email_address;\n',
          down: 'ALTER TABLE customers RENAME COLUMN email_address TO email;\n',
        });
        await page
          .locator('.editor-group-container.active .squiggly-error')
          .first()
          .waitFor({ timeout: 20_000 });
        // the cursor on the flagged name, then the quick fixes (Ctrl+.)
        await page
          .locator('.editor-group-container.active .view-line span span', { hasText: 'email_address' })
          .first()
          .click();
        await page.keyboard.press('Control+.');
        const fix = page
          .locator('.action-widget .monaco-list-row', { hasText: 'Generate expand/contract migrations' })
          .first();
        await fix.waitFor({ timeout: 15_000 });
        await shot('e2e-expand-quick-fix.png');
        // the menu's pointer block swallows clicks while it opens: choose with the keyboard, as users do
        for (let i = 0; i < 6; i++) {
          const focused = page.locator('.action-widget .monaco-list-row.focused').first();
          if (/Generate expand\/contract migrations/.test((await focused.getAttribute('aria-label')) ?? ''))
            break;
          await page.keyboard.press('ArrowDown');
        }
        await page.keyboard.press('Enter');
        const keep = page
          .locator('.quick-input-widget .monaco-list-row', { hasText: 'Keep the original' })
          .first();
        await keep.waitFor();
        await keep.click();
        await page
          .locator('.notification-toast', { hasText: /wrote \d+ migrations for rename_customers_email/ })
          .first()
          .waitFor({ timeout: 30_000 });
        const created = fs
          .readdirSync(path.join(workspace, 'migrations'))
          .filter((f) => !before.has(f) && !f.startsWith(name) && f.endsWith('.up.sql'))
          .sort();
        assert.ok(created.length >= 3, `created: ${created.join(', ')}`);
        const phases = created.map(
          (f) =>
            /-- pgshift:phase (\w+) group=rename_customers_email/.exec(
              fs.readFileSync(path.join(workspace, 'migrations', f), 'utf8'),
            )?.[1],
        );
        assert.equal(phases[0], 'expand', phases.join(', '));
        assert.equal(phases[phases.length - 1], 'contract', phases.join(', '));
        assert.ok(
          fs.existsSync(path.join(workspace, 'migrations', `${name}.up.sql`)),
          'the original is kept',
        );
        // the tree shows them with their phase and group
        await migrationsPane
          .locator('.monaco-list-row', { hasText: /rename_customers_email.*expand/ })
          .first()
          .waitFor({ timeout: 20_000 });
        await page.mouse.move(900, 450);
        await shot('e2e-expand.png');
      },
      { timeout: 90_000 },
    );

    // --- an untrusted workspace: linting works, nothing runs ----------------------------------------
    await step(
      'restricted-mode',
      async () => {
        restricted = { runDir: makeRunDir('pgs-e2e-r-') };
        const rLayout = runLayout(restricted.runDir);
        const rWorkspace = path.join(restricted.runDir, 'shop');
        fs.cpSync(example, rWorkspace, { recursive: true });
        const cs = await ensureCodeServer({ log });
        writeSettings(rLayout, { 'editor.minimap.enabled': false });
        await installVsix(cs, { vsix, ...rLayout });
        restricted.server = await startServer(cs, rLayout, {
          mode: 'code-server',
          workspace: rWorkspace,
          disableWorkspaceTrust: false,
        });
        page = await browser.newPage();
        page.setDefaultTimeout(60_000);
        await page.setViewportSize({ width: 1600, height: 960 });
        await page.goto(workbenchUrl(restricted.server, { folder: rWorkspace }), { timeout: 60_000 });
        await page.getByRole('button', { name: /No, I don.t trust the authors/ }).click();
        await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor();
        await page
          .locator('.part.activitybar')
          .getByRole('tab', { name: /^pgshift/i })
          .click();
        const pane = page.locator('.part.sidebar .pane', {
          has: page.locator('.pane-header', { hasText: /^Migrations/i }),
        });
        await pane
          .getByText('Restricted mode: states are not read and nothing runs. Linting works.')
          .waitFor();
        await page
          .locator('.part.sidebar .pane', {
            hasText: 'pgshift connects to nothing in an untrusted workspace',
          })
          .first()
          .waitFor();
        await openFile(risky.file);
        // lint works: the squiggle under the risky statement
        await page
          .locator(
            '.editor-group-container.active .monaco-editor .squiggly-warning, .editor-group-container.active .monaco-editor .squiggly-error',
          )
          .first()
          .waitFor();
        // no run lenses, one that says why
        await page
          .locator('.editor-group-container.active .codelens-decoration', { hasText: 'trust this workspace' })
          .waitFor();
        const lenses = text(
          await page.locator('.editor-group-container.active .codelens-decoration').first().textContent(),
        );
        assert.doesNotMatch(lenses, /▶ Up|Dry run/, lenses);
        // the palette offers nothing that runs
        await page.keyboard.press('Control+Shift+P');
        await page.locator('.quick-input-widget input').fill('>pgshift: ');
        await page
          .locator('.quick-input-list .monaco-list-row', { hasText: 'Lint All Migrations' })
          .first()
          .waitFor();
        const offered = (await page.locator('.quick-input-list .monaco-list-row').allTextContents()).map(
          text,
        );
        for (const hidden of [
          'Up to Here',
          'Down',
          'Dry Run',
          'Switch Environment',
          'Set Password',
          'Test Connection',
          'New Migration',
        ])
          assert.ok(
            !offered.some((o) => o.includes(`pgshift: ${hidden}`)),
            `${hidden} is offered: ${JSON.stringify(offered)}`,
          );
        await page.keyboard.press('Escape');
        await page.mouse.move(900, 450);
        // nothing was created: no database, not even the embedded one
        assert.ok(
          !fs.existsSync(path.join(rWorkspace, '.pgshift')),
          '.pgshift exists in the untrusted workspace',
        );
      },
      { timeout: 90_000 },
    );
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
    if (restricted?.server) await restricted.server.stop();
    if (restricted && process.env.PGSHIFT_KEEP_RUN_DIR !== '1')
      fs.rmSync(restricted.runDir, { recursive: true, force: true });
    if (postgres) await postgres.stopTestServer().catch(() => {});
    if (process.env.PGSHIFT_KEEP_RUN_DIR === '1') log(`  run dir kept: ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  }
  const passed = steps.filter((s) => s.ok).length;
  const failed = steps.length - passed;
  return { passed, failed, steps, timings, seconds: (Date.now() - started) / 1000 };
}

async function main() {
  const vsix = path.resolve(arg('--vsix', path.join(REPO, 'pgshift.vsix')));
  const example = path.resolve(arg('--example', path.join(REPO, 'examples', 'shop')));
  await runSuiteMain('e2e: pgshift in the code-server workbench', () => runUiTest({ vsix, example }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
