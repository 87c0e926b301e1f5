#!/usr/bin/env node
// npm run test:e2e — the tests that need a real VS Code:
//   1. code-server in .cache/ (installed on first use, about a minute) and the system packages
//   2. `npx tsc -p .` when out/ is older than the sources (the integration suite runs from out/)
//   3. `npm run package` (dist/ and pgshift.vsix)
//   4. scripts/test-extension.mjs — mocha inside the extension host (test/extension)
//   5. test/e2e/ui.e2e.mjs — the workbench in chromium with the vsix installed; screenshots in test-results/
//   6. test/e2e/frameworks.e2e.mjs — a Django and a Prisma project in the tree, a RunSQL string's diagnostic
// Ends with one line "N passed, N failed" (integration tests + e2e steps) and a non-zero exit on any failure.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, SetupError, checkSystem, ensureCodeServer } from './code-server.mjs';
import failureSummaryModule from './failure-summary.cjs';

const RESULTS = path.join(REPO, 'test-results');
const timings = [];
let passed = 0;
let failed = 0;
// Every failure by suite and title, repeated at the very end so a CI log's tail names it.
const failures = [];
const { failureSummary } = failureSummaryModule;

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const banner = (s) => console.log(`\n=== ${s}`);

async function phase(name, fn) {
  banner(name);
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([name, Date.now() - t]);
    console.log(`--- ${name}: ${secs(Date.now() - t)}`);
  }
}

let aborted = null;
function run(cmd, args, opts = {}) {
  if (aborted) return Promise.resolve(1);
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: REPO, stdio: 'inherit', ...opts });
    // The child cleans up (servers, browsers) on the signal; nothing after it runs.
    const forward = (sig) => {
      aborted = sig;
      p.kill(sig);
    };
    process.on('SIGINT', forward).on('SIGTERM', forward);
    p.on('error', (e) => {
      console.error(`${cmd}: ${e.message}`);
      resolve(1);
    });
    p.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function newestMtime(dir, ext) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (e.name.endsWith(ext) && !e.name.endsWith('.d.ts'))
      newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function outIsStale() {
  const compiled = path.join(REPO, 'out', 'test', 'extension', 'index.js');
  if (!fs.existsSync(compiled)) return true;
  const sources = Math.max(
    ...['src', 'test'].map((d) => newestMtime(path.join(REPO, d), '.ts')),
    fs.statSync(path.join(REPO, 'tsconfig.json')).mtimeMs,
  );
  const out = newestMtime(path.join(REPO, 'out'), '.js');
  return sources > out;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function noteSteps(suite, r, code) {
  const bad = (r.steps ?? []).filter((s) => !s.ok);
  for (const s of bad) failures.push(`${suite}: ${s.name}: ${failureSummary(s.error)}`);
  if (!bad.length && (r.failed > 0 || code !== 0)) failures.push(`${suite}: exit ${code}, no failing step recorded`);
}

async function main() {
  const started = Date.now();
  fs.mkdirSync(RESULTS, { recursive: true });

  const ready = await phase('code-server', async () => {
    try {
      checkSystem({ build: false, browser: true });
      const cs = await ensureCodeServer({ log: console.log });
      console.log(`code-server ${cs.version}: ${path.relative(REPO, cs.pkg)}`);
      return true;
    } catch (e) {
      console.error(e instanceof SetupError ? `error: ${e.message}` : e);
      return false;
    }
  });

  const built =
    ready &&
    (await phase('compile', async () => {
      if (!outIsStale()) {
        console.log('out/ is up to date');
        return true;
      }
      return (await run('npx', ['tsc', '-p', '.'])) === 0;
    })) &&
    (await phase('package', async () => (await run('npm', ['run', 'package'])) === 0));

  if (!built) {
    failed++;
    console.error('\nsetup failed; no tests ran');
  } else {
    await phase('integration tests (extension host)', async () => {
      const report = path.join(RESULTS, 'integration.json');
      fs.rmSync(report, { force: true });
      const code = await run(process.execPath, [
        path.join(REPO, 'scripts', 'test-extension.mjs'),
        '--report',
        report,
      ]);
      const r = readJson(report) ?? { passed: 0, failed: 1 };
      passed += r.passed;
      failed += Math.max(r.failed, code !== 0 && r.failed === 0 ? 1 : 0);
      for (const f of r.failures ?? []) failures.push(`integration: ${f.title}: ${failureSummary(f.error)}`);
      if (!r.failures?.length && (r.failed > 0 || code !== 0)) failures.push(`integration: exit ${code}, no report`);
    });
    await phase('e2e (workbench in chromium)', async () => {
      const report = path.join(RESULTS, 'e2e.json');
      fs.rmSync(report, { force: true });
      const code = await run(process.execPath, [
        path.join(REPO, 'test', 'e2e', 'ui.e2e.mjs'),
        '--report',
        report,
      ]);
      const r = readJson(report) ?? { passed: 0, failed: 1 };
      passed += r.passed;
      failed += Math.max(r.failed, code !== 0 && r.failed === 0 ? 1 : 0);
      noteSteps('e2e', r, code);
    });
    await phase('frameworks (Django and Prisma projects in the workbench)', async () => {
      const report = path.join(RESULTS, 'frameworks-e2e.json');
      fs.rmSync(report, { force: true });
      const code = await run(process.execPath, [path.join(REPO, 'test', 'e2e', 'frameworks.e2e.mjs'), '--report', report]);
      const r = readJson(report) ?? { passed: 0, failed: 1 };
      passed += r.passed;
      failed += Math.max(r.failed, code !== 0 && r.failed === 0 ? 1 : 0);
      noteSteps('frameworks', r, code);
    });
    await phase('report (exported HTML + webview UI in chromium)', async () => {
      const report = path.join(RESULTS, 'report-e2e.json');
      fs.rmSync(report, { force: true });
      const code = await run(process.execPath, [path.join(REPO, 'test', 'e2e', 'report.e2e.mjs'), '--report', report]);
      const r = readJson(report) ?? { passed: 0, failed: 1 };
      passed += r.passed;
      failed += Math.max(r.failed, code !== 0 && r.failed === 0 ? 1 : 0);
      noteSteps('report', r, code);
    });
  }

  banner('timings');
  for (const [name, ms] of timings) console.log(`${name.padEnd(40)} ${secs(ms).padStart(9)}`);
  console.log(`${'total'.padEnd(40)} ${secs(Date.now() - started).padStart(9)}`);
  console.log(`screenshots: ${path.relative(process.cwd(), RESULTS) || '.'}/{e2e,fw,report}-*.png`);
  if (failures.length) {
    banner('failures');
    for (const f of failures) console.log(`  ${f}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (aborted) console.log(`interrupted (${aborted})`);
  process.exitCode = aborted || failed > 0 || passed === 0 ? 1 : 0;
}

await main();
