#!/usr/bin/env node
// The extension integration suite (test/extension, compiled to out/test/extension) in a real VS Code,
// through @vscode/test-electron's runTests, with a fresh copy of examples/shop as the workspace.
//
// Which VS Code:
//   default                           scripts/code-shim.mjs: the VS Code server of the cached
//                                     code-server + Debian chromium (no desktop build needed)
//   PGSHIFT_VSCODE_EXECUTABLE=<path>  a desktop VS Code binary, e.g. /usr/share/code/code or
//                                     "/Applications/Visual Studio Code.app/Contents/MacOS/Electron"
//   PGSHIFT_VSCODE_EXECUTABLE=download  let test-electron download VS Code (needs
//                                     update.code.visualstudio.com; PGSHIFT_VSCODE_VERSION, default stable)
//
//   node scripts/test-extension.mjs [--report <file.json>]
// Needs `npx tsc -p .` (out/test/extension) and `npm run build` (dist/extension.js) first;
// scripts/test-e2e.mjs does both.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO } from './code-server.mjs';

const require = createRequire(import.meta.url);
const SHIM = path.join(REPO, 'scripts', 'code-shim.mjs');
const TESTS = path.join(REPO, 'out', 'test', 'extension', 'index.js');
const EXAMPLE = path.join(REPO, 'examples', 'shop');

/** Runs the suite; resolves to { passed, failed, pending, failures, exitCode, seconds }. */
export async function runExtensionTests({ log = console.log } = {}) {
  const started = Date.now();
  for (const [file, fix] of [
    [TESTS, 'npx tsc -p .'],
    [path.join(REPO, 'dist', 'extension.js'), 'npm run build'],
  ]) {
    if (!fs.existsSync(file))
      throw new Error(`${path.relative(REPO, file)} is missing: run \`${fix}\` first`);
  }

  // Short /tmp path: the profile dirs below hold unix sockets on a desktop VS Code.
  const tmp = fs.mkdtempSync('/tmp/pgs-ext-');
  const workspace = path.join(tmp, 'shop');
  fs.cpSync(EXAMPLE, workspace, { recursive: true });
  const reportFile = path.join(tmp, 'report.json');

  const exe = process.env.PGSHIFT_VSCODE_EXECUTABLE;
  let vscodeExecutablePath = SHIM;
  if (exe === 'download') vscodeExecutablePath = undefined;
  else if (exe) vscodeExecutablePath = path.resolve(exe);
  else {
    try {
      fs.accessSync(SHIM, fs.constants.X_OK);
    } catch {
      fs.chmodSync(SHIM, 0o755); // runTests spawns it directly, so it must be executable
    }
  }

  const { runTests } = require('@vscode/test-electron');
  let exitCode = 0;
  try {
    await runTests({
      vscodeExecutablePath,
      version: process.env.PGSHIFT_VSCODE_VERSION || undefined,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: TESTS,
      launchArgs: [
        workspace,
        `--user-data-dir=${path.join(tmp, 'ud')}`,
        `--extensions-dir=${path.join(tmp, 'ext')}`,
        '--disable-extensions',
      ],
      extensionTestsEnv: { PGSHIFT_EXT_TEST_REPORT: reportFile },
    });
  } catch (e) {
    exitCode = typeof e?.code === 'number' ? e.code : 1;
    log(`integration tests: ${e?.message ?? e}`);
  }

  let report;
  try {
    report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  } catch {
    // The extension host never reached the end of the run (crash, timeout, load error).
    report = {
      passed: 0,
      failed: 1,
      pending: 0,
      failures: [{ title: 'integration run', error: 'no test report written' }],
    };
  }
  if (exitCode !== 0 && report.failed === 0) {
    report.failed = 1;
    report.failures.push({ title: 'integration run', error: `VS Code exited with ${exitCode}` });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return { ...report, exitCode, seconds: (Date.now() - started) / 1000 };
}

async function main() {
  const i = process.argv.indexOf('--report');
  const out = i > 0 ? process.argv[i + 1] : null;
  let result;
  try {
    result = await runExtensionTests();
  } catch (e) {
    console.error(`error: ${e.message}`);
    result = {
      passed: 0,
      failed: 1,
      pending: 0,
      failures: [{ title: 'setup', error: e.message }],
      exitCode: 1,
      seconds: 0,
    };
  }
  if (out) {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  }
  console.log(
    `integration: ${result.passed} passed, ${result.failed} failed, ${result.pending} pending (${result.seconds.toFixed(1)} s)`,
  );
  process.exitCode = result.failed > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
