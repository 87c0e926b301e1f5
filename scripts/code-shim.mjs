#!/usr/bin/env node
// Stand-in for a desktop VS Code executable, for @vscode/test-electron's runTests() on machines
// that have none (no Electron build of VS Code is reachable from here; see
// /work/shared/reference/vscode-e2e.md). It takes the arguments runTests passes to `code`, runs the
// VS Code server of the cached code-server with the smoke-test driver, opens the workbench in Debian
// chromium with the extension-test payload, relays the test output and exits with the tests' code.
//
// Env: PGSHIFT_SHIM_TIMEOUT (seconds, default 300), PGSHIFT_KEEP_RUN_DIR=1 (keep /tmp/pgs-shim-*),
// PGSHIFT_SHIM_VERBOSE=1 (relay the browser console), PGSHIFT_CHROMIUM (browser path).
// Everything else in the environment, runTests' extensionTestsEnv included, reaches the extension host.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import {
  SetupError,
  ensureCodeServer,
  launchBrowser,
  makeRunDir,
  remoteUri,
  runLayout,
  startServer,
  workbenchUrl,
  writeSettings,
} from './code-server.mjs';

const timeoutMs = Number(process.env.PGSHIFT_SHIM_TIMEOUT || 300) * 1000;
const verbose = process.env.PGSHIFT_SHIM_VERBOSE === '1';
const say = (s) => process.stderr.write(`[code-shim] ${s}\n`);

// Flags runTests or a user may pass that a server-side VS Code has no use for.
const IGNORED_FLAGS = new Set([
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-updates',
  '--skip-welcome',
  '--skip-release-notes',
  '--disable-gpu',
  '--new-window',
  '--disable-extensions', // the extensions dir is fresh for every run anyway
  '--wait',
]);
const VALUE_FLAGS = new Set([
  '--extensionDevelopmentPath',
  '--extensionTestsPath',
  '--user-data-dir',
  '--extensions-dir',
]);

// Workbench chatter around every run, and the failed marketplace/service-worker requests of an
// offline machine; PGSHIFT_SHIM_VERBOSE=1 shows them.
const NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin extensions cache|ChatSessionStore: )/;
const OFFLINE = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|\[Service Worker\]/;

export function parseArgs(argv) {
  const a = {
    devPaths: [],
    testsPath: null,
    userDataDir: null,
    extensionsDir: null,
    trust: true,
    folder: null,
    workspace: null,
    ignored: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let flag = arg;
    let value = null;
    if (arg.startsWith('--') && arg.includes('=')) {
      flag = arg.slice(0, arg.indexOf('='));
      value = arg.slice(arg.indexOf('=') + 1);
    } else if (VALUE_FLAGS.has(arg)) {
      value = argv[++i];
    }
    if (flag === '--extensionDevelopmentPath') a.devPaths.push(path.resolve(value));
    else if (flag === '--extensionTestsPath') a.testsPath = path.resolve(value);
    else if (flag === '--user-data-dir') a.userDataDir = path.resolve(value);
    else if (flag === '--extensions-dir') a.extensionsDir = path.resolve(value);
    else if (flag === '--disable-workspace-trust') a.trust = false;
    else if (arg.startsWith('-')) {
      if (!IGNORED_FLAGS.has(flag)) a.ignored.push(arg);
    } else if (arg.endsWith('.code-workspace')) a.workspace = path.resolve(arg);
    else if (!a.folder) a.folder = path.resolve(arg);
    else a.ignored.push(arg);
  }
  return a;
}

async function withTimeout(promise, ms, fallback) {
  let t;
  const timer = new Promise((r) => (t = setTimeout(() => r(fallback), ms)));
  try {
    return await Promise.race([promise, timer]);
  } finally {
    clearTimeout(t);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.testsPath || !args.devPaths.length) {
    say(
      'usage: code-shim.mjs [folder] --extensionDevelopmentPath=<dir> --extensionTestsPath=<file.js> [...]',
    );
    say('this stand-in only runs extension tests; open a workbench with `npm run demo`.');
    return 2;
  }
  if (!fs.existsSync(args.testsPath) || !fs.statSync(args.testsPath).isFile()) {
    say(`extensionTestsPath must be an existing .js file: ${args.testsPath}`);
    return 2;
  }
  if (args.ignored.length) say(`ignoring: ${args.ignored.join(' ')}`);

  const cs = await ensureCodeServer({ log: say });
  const t0 = Date.now(); // the timeout does not include a first-time install
  const runDir = makeRunDir('pgs-shim-');
  const layout = runLayout(runDir);
  if (args.userDataDir) layout.userDataDir = args.userDataDir;
  if (args.extensionsDir) layout.extensionsDir = args.extensionsDir;
  for (const d of [layout.userDataDir, layout.extensionsDir]) fs.mkdirSync(d, { recursive: true });
  writeSettings(layout);

  let server = null;
  let browser = null;
  let cleaning = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      const closing = browser?.close().catch(() => {});
      if (closing) await withTimeout(closing, 10_000);
      if (server) await server.stop();
      if (process.env.PGSHIFT_KEEP_RUN_DIR === '1') say(`run dir kept: ${runDir}`);
      else fs.rmSync(runDir, { recursive: true, force: true });
    })());
  // Hard stop whatever phase hangs (server start, browser launch, page load, tests).
  const watchdog = setTimeout(() => {
    say(`FAILED: timed out after ${timeoutMs / 1000} s (PGSHIFT_SHIM_TIMEOUT)`);
    setTimeout(() => process.exit(1), 15_000).unref();
    cleanup().finally(() => process.exit(1));
  }, timeoutMs + 10_000); // the wait for the tests below has its own, gentler timeout
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      say(`${sig}: stopping`);
      cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }

  let code = 1;
  try {
    server = await startServer(cs, layout, { mode: 'server-main', disableWorkspaceTrust: !args.trust });
    say(`VS Code server ${cs.version} on ${server.url} (${Date.now() - t0} ms)`);
    browser = await launchBrowser(layout);
    const page = browser.pages()[0] ?? (await browser.newPage());

    let finish;
    const finished = new Promise((r) => (finish = r));
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const line = util.format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      if (!verbose && (NOISE.test(line) || (type === 'error' && OFFLINE.test(line)))) return;
      (type === 'error' ? process.stderr : process.stdout).write(line + '\n');
    });
    await page.exposeFunction('codeAutomationExit', (exitCode, logs) => {
      if (Array.isArray(logs) && process.env.PGSHIFT_KEEP_RUN_DIR === '1') {
        for (const l of logs) {
          const f = path.join(runDir, 'logs', String(l.relativePath || 'log.txt'));
          fs.mkdirSync(path.dirname(f), { recursive: true });
          fs.writeFileSync(f, String(l.contents ?? ''));
        }
      }
      finish({ code: Number(exitCode) });
    });
    page.on('crash', () => finish({ code: 1, why: 'the workbench page crashed' }));
    page.on('close', () => finish({ code: 1, why: 'the workbench page closed before the tests ended' }));
    server.proc.on('exit', (c, s) => finish({ code: 1, why: `the VS Code server exited (${c ?? s})` }));
    if (verbose) page.on('console', (m) => say(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => verbose && say(`page error: ${e.message}`));

    const R = (p) => remoteUri(server, p);
    const payload = [
      ...args.devPaths.map((p) => ['extensionDevelopmentPath', R(p)]),
      ['extensionTestsPath', R(args.testsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    const url = workbenchUrl(server, { folder: args.folder, workspace: args.workspace, payload });
    await page.goto(url, { timeout: 60_000 });

    const left = timeoutMs - (Date.now() - t0);
    const result = await withTimeout(finished, Math.max(left, 1000), {
      code: 1,
      why: `timed out after ${timeoutMs / 1000} s (PGSHIFT_SHIM_TIMEOUT)`,
    });
    if (result.why) {
      say(`FAILED: ${result.why}`);
      const log = fs.existsSync(server.logFile)
        ? fs.readFileSync(server.logFile, 'utf8').split('\n').slice(-40).join('\n')
        : '';
      if (log) say(`last lines of ${path.basename(server.logFile)}:\n${log}`);
    }
    code = result.code;
    say(`tests exited with ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    say(e instanceof SetupError ? `error: ${e.message}` : String(e?.stack || e));
    code = 1;
  } finally {
    await cleanup();
  }
  return code;
}

process.exitCode = await main();
