#!/usr/bin/env node
// A real VS Code for tests and the demo, without a desktop build: code-server (the VS Code server
// plus its web workbench) from the npm registry, installed into <repo>/.cache/code-server/<version>/
// (never into the project's node_modules), and helpers to start, stop and feed it.
//
//   node scripts/code-server.mjs install    install into the cache if missing, print its path
//   node scripts/code-server.mjs check      only check the system packages
//
// 4.100.3 (VS Code 1.100.3) is the newest code-server whose engines.node accepts Node 20; newer
// releases need Node 22/24. It only installs as root and offline with the four fixes in
// installEnv() below (see /work/shared/reference/vscode-e2e.md, Q1).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const CACHE_DIR = path.join(REPO, '.cache', 'code-server', CODE_SERVER_VERSION);
export const CHROMIUM = process.env.PGSHIFT_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const MARKER = '.pgshift-installed.json';
const NODE_MAJOR = 20;
// @vscode/ripgrep as pinned by code-server 4.100.3: its postinstall downloads this asset from
// api.github.com unless it finds it in os.tmpdir()/vscode-ripgrep-cache-<package version>/.
const RIPGREP = { pkg: '1.15.11', asset: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };

export const APT_BUILD_PACKAGES = [
  'build-essential',
  'pkg-config',
  'python3',
  'libkrb5-dev',
  'libx11-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
  'ripgrep',
];

export class SetupError extends Error {}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not in this PATH entry
    }
  }
  return null;
}

/**
 * Everything the cold install (native modules compiled from source) and the browser tests need from
 * apt, checked up front so a missing package is one clear message instead of a node-gyp log.
 */
export function checkSystem({ build = true, browser = false } = {}) {
  const missing = [];
  if (build) {
    const major = Number(process.versions.node.split('.')[0]);
    if (major !== NODE_MAJOR) {
      throw new SetupError(
        `code-server ${CODE_SERVER_VERSION} needs Node ${NODE_MAJOR} (this is ${process.version}).`,
      );
    }
    for (const [what, ok] of [
      ['ripgrep (rg)', !!which('rg')],
      ['make/g++ (build-essential)', !!which('make') && !!which('g++')],
      ['pkg-config', !!which('pkg-config')],
      ['python3', !!which('python3')],
      ['libkrb5-dev', fs.existsSync('/usr/include/gssapi/gssapi.h')],
      ['libx11-dev', fs.existsSync('/usr/include/X11/Xlib.h')],
      ['libxkbfile-dev', fs.existsSync('/usr/include/X11/extensions/XKBfile.h')],
      ['libsecret-1-dev', fs.existsSync('/usr/include/libsecret-1/libsecret/secret.h')],
    ]) {
      if (!ok) missing.push(what);
    }
  }
  if (browser && !fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  if (missing.length) {
    const pkgs = [...APT_BUILD_PACKAGES, ...(browser ? ['chromium'] : [])].join(' ');
    throw new SetupError(
      `missing system packages: ${missing.join(', ')}.\n` +
        `Install them with:\n  apt-get update && apt-get install -y ${pkgs}`,
    );
  }
}

export function codeServerPaths(dir = CACHE_DIR) {
  const pkg = path.join(dir, 'node_modules', 'code-server');
  return {
    dir,
    pkg,
    version: CODE_SERVER_VERSION,
    entry: path.join(pkg, 'out', 'node', 'entry.js'),
    serverMain: path.join(pkg, 'lib', 'vscode', 'out', 'server-main.js'),
  };
}

function readMarker(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
  } catch {
    return null;
  }
}

function isInstalled(dir) {
  const m = readMarker(dir);
  const p = codeServerPaths(dir);
  // Native modules are built against this Node's ABI; another Node means another install.
  return (
    !!m &&
    m.version === CODE_SERVER_VERSION &&
    m.modules === process.versions.modules &&
    fs.existsSync(p.entry) &&
    fs.existsSync(p.serverMain)
  );
}

function installEnv(tmp) {
  const env = {
    ...process.env,
    // 1. code-server's postinstall refuses to run as root without it (npm 11 warns "Unknown env
    //    config unsafe-perm", but the script reads the variable).
    npm_config_unsafe_perm: 'true',
    // 2. node-pty's build runs `npx node-gyp`; ~/.npmrc may say yes=false and there is no stdin.
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // 3. the ripgrep download cache is looked up in os.tmpdir(); keep it (and all temp files) ours.
    TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
  };
  // 4. node-gyp would download Node's headers from nodejs.org; the nodejs package ships them
  //    beside the binary (/usr/include/node for /usr/bin/node).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) {
    env.npm_config_nodedir = prefix;
  }
  return env;
}

function seedRipgrepCache(tmp) {
  const rg = which('rg');
  if (!rg) throw new SetupError('ripgrep (rg) is missing');
  const cacheDir = path.join(tmp, `vscode-ripgrep-cache-${RIPGREP.pkg}`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(tmp, 'rg-'));
  fs.copyFileSync(rg, path.join(stage, 'rg'));
  fs.chmodSync(path.join(stage, 'rg'), 0o755);
  const r = spawnSync('tar', ['czf', path.join(cacheDir, RIPGREP.asset), '-C', stage, 'rg']);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

// Two test runs starting together must not both install into the same directory.
async function withInstallLock(dir, fn) {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        // Between its mkdir and its write, or its owner died right there.
        if (Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs < 10_000) owner = -1;
      }
      if (owner > 0 && pidAlive(owner)) await sleep(1000);
      else if (owner === -1) await sleep(200);
      else fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Installs code-server into the cache unless it is already there; returns its paths. */
export async function ensureCodeServer({ log = (s) => console.error(s) } = {}) {
  if (isInstalled(CACHE_DIR)) return codeServerPaths();
  checkSystem({ build: true });
  return withInstallLock(CACHE_DIR, async () => {
    if (isInstalled(CACHE_DIR)) return codeServerPaths();
    const started = Date.now();
    log(`[code-server] installing code-server@${CODE_SERVER_VERSION} into ${CACHE_DIR} (about a minute)`);
    fs.rmSync(CACHE_DIR, { recursive: true, force: true });
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(
      path.join(CACHE_DIR, 'package.json'),
      JSON.stringify(
        // The two install scripts npm 11 asks about; without them nothing gets built.
        {
          name: 'pgshift-code-server-cache',
          private: true,
          allowScripts: { 'code-server': true, argon2: true },
        },
        null,
        2,
      ) + '\n',
    );
    const tmp = path.join(CACHE_DIR, '.tmp');
    fs.mkdirSync(tmp, { recursive: true });
    seedRipgrepCache(tmp);
    const logFile = path.join(CACHE_DIR, 'install.log');
    const out = fs.openSync(logFile, 'w');
    const code = await new Promise((resolve) => {
      const p = spawn(
        'npm',
        [
          'install',
          '--no-save',
          '--no-package-lock',
          '--loglevel=warn',
          `code-server@${CODE_SERVER_VERSION}`,
        ],
        { cwd: CACHE_DIR, env: installEnv(tmp), stdio: ['ignore', out, out] },
      );
      p.on('error', () => resolve(-1));
      p.on('exit', (c) => resolve(c ?? -1));
    });
    fs.closeSync(out);
    const p = codeServerPaths();
    if (code !== 0 || !fs.existsSync(p.entry) || !fs.existsSync(p.serverMain)) {
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(
        `npm install code-server@${CODE_SERVER_VERSION} failed (exit ${code}); see ${logFile}\n${tail}`,
      );
    }
    const v = spawnSync(process.execPath, [p.entry, '--version'], { encoding: 'utf8', env: runEnv(tmp) });
    if (v.status !== 0) throw new Error(`code-server --version failed: ${v.stderr}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.writeFileSync(
      path.join(CACHE_DIR, MARKER),
      JSON.stringify({
        version: CODE_SERVER_VERSION,
        modules: process.versions.modules,
        node: process.version,
      }) + '\n',
    );
    const version = v.stdout.trim().split('\n').pop();
    log(`[code-server] installed ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return p;
  });
}

/**
 * A fresh run directory. It must be short: it is the servers' TMPDIR, and unix socket paths
 * (vscode-ipc-*.sock, Chromium's SingletonSocket) are limited to 108 characters.
 */
export function makeRunDir(prefix = 'pgs-') {
  return fs.mkdtempSync(path.join('/tmp', prefix));
}

/** The run dir's layout; every file code-server, VS Code or Chromium writes goes below it. */
export function runLayout(runDir) {
  const l = {
    runDir,
    userDataDir: path.join(runDir, 'ud'),
    extensionsDir: path.join(runDir, 'ext'),
    serverDataDir: path.join(runDir, 'sd'),
    browserProfile: path.join(runDir, 'browser'),
    tmp: path.join(runDir, 'tmp'),
    xdg: path.join(runDir, 'xdg'),
  };
  for (const d of Object.values(l)) fs.mkdirSync(d, { recursive: true });
  return l;
}

// Without XDG_* code-server writes ~/.config/code-server/config.yaml and VS Code
// ~/.cache/Microsoft/DeveloperTools/deviceid.
function runEnv(tmp, xdg = path.join(tmp, 'xdg'), extra = {}) {
  return {
    ...process.env,
    ...extra,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_RUNTIME_DIR: path.join(xdg, 'runtime'),
  };
}

/** `code-server --install-extension <vsix>` into the given profile. */
export async function installVsix(cs, { vsix, userDataDir, extensionsDir, tmp, xdg }) {
  const r = spawnSync(
    process.execPath,
    [
      cs.entry,
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--install-extension',
      vsix,
      '--force',
    ],
    { encoding: 'utf8', env: runEnv(tmp, xdg), timeout: 120_000 },
  );
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${out}`);
  }
  return out.trim();
}

/** Settings for a quiet, deterministic workbench (no welcome page, no update or telemetry calls). */
export function writeSettings({ userDataDir, serverDataDir }, extra = {}) {
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    ...extra,
  };
  const json = JSON.stringify(settings, null, 2) + '\n';
  // code-server keeps user settings on disk in the user data dir; the plain VS Code server keeps
  // them in the browser, so there the Machine settings of the server data dir carry them.
  for (const dir of [
    userDataDir && path.join(userDataDir, 'User'),
    userDataDir && path.join(userDataDir, 'Machine'),
    serverDataDir && path.join(serverDataDir, 'data', 'Machine'),
  ]) {
    if (!dir) continue;
    fs.mkdirSync(dir, { recursive: true });
    const f = path.join(dir, 'settings.json');
    if (!fs.existsSync(f)) fs.writeFileSync(f, json);
  }
}

function tryListen(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
}

/** `preferred` when it is free on 127.0.0.1, else any free port. */
export async function freePort(preferred = 0) {
  if (preferred) {
    const p = await tryListen(preferred);
    if (p) return p;
  }
  return tryListen(0);
}

function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls `url` until it answers 200 while `proc` stays alive (a stale server on the port must not fool us). */
export async function waitForHttp(url, { proc, timeoutMs = 60_000, logFile } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) {
      throw new Error(`server exited with ${proc.exitCode} before answering ${url}\n${tail(logFile)}`);
    }
    if ((await httpStatus(url)) === 200) {
      if (proc && proc.exitCode !== null) break;
      return;
    }
    await sleep(150);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s\n${tail(logFile)}`);
}

const live = new Set();
function killGroup(proc, signal) {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    try {
      proc.kill(signal);
    } catch {
      // already gone
    }
  }
}
// Last resort when the parent dies without calling stop(): no orphaned servers.
process.on('exit', () => {
  for (const p of live) killGroup(p, 'SIGKILL');
});

/**
 * Starts a server in its own process group with every file it writes kept in `layout` (see
 * runLayout). mode 'code-server' is the product as users run it (/healthz, --auth none);
 * mode 'server-main' is the bare VS Code server with the smoke-test driver, the only way the
 * workbench honours an extensionTestsPath payload (code-server's CLI rejects that flag).
 */
export async function startServer(cs, layout, opts = {}) {
  const {
    mode = 'code-server',
    port: wanted = 0,
    workspace,
    disableWorkspaceTrust = true,
    env = {},
    timeoutMs = 60_000,
  } = opts;
  const port = await freePort(wanted);
  const logFile = path.join(layout.runDir, `${mode}.log`);
  const common = [
    '--disable-telemetry',
    '--user-data-dir',
    layout.userDataDir,
    '--extensions-dir',
    layout.extensionsDir,
  ];
  if (disableWorkspaceTrust) common.push('--disable-workspace-trust');
  const args =
    mode === 'server-main'
      ? [
          cs.serverMain,
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--without-connection-token',
          '--accept-server-license-terms',
          '--enable-smoke-test-driver',
          '--server-data-dir',
          layout.serverDataDir,
          ...common,
        ]
      : [
          cs.entry,
          '--bind-addr',
          `127.0.0.1:${port}`,
          '--auth',
          'none',
          '--disable-update-check',
          '--disable-getting-started-override',
          '--ignore-last-opened',
          ...common,
          ...(workspace ? [workspace] : []),
        ];
  const out = fs.openSync(logFile, 'a');
  const proc = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: runEnv(layout.tmp, layout.xdg, env),
  });
  fs.closeSync(out);
  live.add(proc);
  proc.on('exit', () => live.delete(proc));
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    port,
    proc,
    logFile,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      killGroup(proc, 'SIGTERM');
      const t = setTimeout(() => killGroup(proc, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      killGroup(proc, 'SIGKILL'); // children that ignored SIGTERM (extension host, watchers)
    },
  };
  try {
    await waitForHttp(mode === 'server-main' ? `${url}/` : `${url}/healthz`, { proc, timeoutMs, logFile });
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** The workbench URL for a folder, optionally carrying the extension-development test payload. */
export function workbenchUrl(server, { folder, workspace, payload } = {}) {
  const q = [];
  if (folder) q.push(`folder=${encodeURIComponent(folder)}`);
  if (workspace) q.push(`workspace=${encodeURIComponent(workspace)}`);
  if (payload) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  // Slashes are legal in a query; leaving them readable makes the printed demo URL readable.
  return `${server.url}/${q.length ? '?' + q.join('&') : ''}`.replace(/%2F/g, '/');
}

/** A vscode-remote:// URI the remote extension host resolves to a local path. */
export function remoteUri(server, p) {
  return `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
}

/** Debian chromium through playwright-core, its profile and temp files inside the run dir. */
export async function launchBrowser(layout, { timeoutMs = 60_000 } = {}) {
  checkSystem({ build: false, browser: true });
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(layout.browserProfile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
    timeout: timeoutMs,
    // HOME too: Chromium keeps an NSS database in ~/.pki.
    env: runEnv(layout.tmp, layout.xdg, { HOME: layout.runDir }),
  });
}

async function main() {
  const cmd = process.argv[2] || 'install';
  try {
    if (cmd === 'check') {
      checkSystem({ build: true, browser: true });
      console.log('system packages: ok');
    } else if (cmd === 'install') {
      const t = Date.now();
      const cs = await ensureCodeServer();
      console.log(`${cs.pkg} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    } else {
      console.error('usage: node scripts/code-server.mjs [install|check]');
      process.exit(2);
    }
  } catch (e) {
    console.error(e instanceof SetupError ? `error: ${e.message}` : e);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
