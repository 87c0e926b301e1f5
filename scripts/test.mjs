// `npm test`: type check + compile, unit tests (pure core, no network, no editor), database tests
// (a real PostgreSQL started by the suite when TEST_DATABASE_URL is unset, plus embedded PGlite).
// Prints one closing line "N passed, N failed" over all suites and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
let passed = 0;
let failed = 0;
const timings = [];
const failures = []; // repeated at the end so a CI log's tail names them

function step(name, cmd, args) {
  const t0 = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  timings.push(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return res.status === 0;
}

// mocha with the spec output plus a reporter that writes the totals, so the closing line sums all suites
function mochaCounts(configFile, label) {
  const t0 = Date.now();
  process.stdout.write(`\n=== ${label}\n`);
  const res = spawnSync(npx, ['mocha', '--config', configFile, '--reporter', join(root, 'scripts', 'mocha-count-reporter.cjs')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PGSHIFT_COUNT_FILE: join(root, 'out', `.counts-${label}.json`) },
  });
  timings.push(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    const c = JSON.parse(readFileSync(join(root, 'out', `.counts-${label}.json`), 'utf8'));
    passed += c.passes;
    failed += c.failures;
    for (const f of c.failed ?? []) failures.push(`${label}: ${f}`);
    if (c.tests === 0) {
      console.error(`${label}: no test ran`);
      failed++;
    }
  } catch {
    console.error(`${label}: mocha did not report (exit ${res.status})`);
    failed++;
  }
  if (res.status !== 0 && failed === 0) failed++;
  return res.status === 0;
}

rmSync(join(root, 'out'), { recursive: true, force: true });
const compiled = step('typecheck + compile', 'npm', ['run', '-s', 'compile']);
if (!compiled) {
  failed++;
} else {
  mochaCounts('.mocharc.unit.json', 'unit');
  mochaCounts('.mocharc.db.json', 'db');
}
console.log(`\n${timings.join('\n')}`);
if (failures.length) console.log(`\n=== failures\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && compiled ? 0 : 1);
