#!/usr/bin/env node
// npm run demo — pgshift.vsix built fresh and opened on examples/shop:
//   - in the desktop VS Code when a `code` command is on PATH;
//   - otherwise in code-server (the same VS Code in the browser) on http://127.0.0.1:$PGSHIFT_DEMO_PORT
//     (default 8080, another free port when that one is busy), profile kept in .cache/demo/.
// Options: --no-build (reuse pgshift.vsix), --code-server (even when `code` exists),
//          --trust (keep VS Code's workspace-trust prompt, to try pgshift's restricted mode).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO,
  SetupError,
  ensureCodeServer,
  installVsix,
  makeRunDir,
  runLayout,
  startServer,
  workbenchUrl,
  writeSettings,
} from './code-server.mjs';

const VSIX = path.join(REPO, 'pgshift.vsix');
const EXAMPLE = path.join(REPO, 'examples', 'shop');
const flags = new Set(process.argv.slice(2));

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

async function inCodeServer() {
  const cs = await ensureCodeServer();
  const layout = runLayout(path.join(REPO, '.cache', 'demo'));
  // Unix sockets live in TMPDIR and their paths must stay under 108 characters.
  if (layout.tmp.length > 60) layout.tmp = makeRunDir('pgs-demo-');
  writeSettings(layout);
  await installVsix(cs, { vsix: VSIX, ...layout });

  const wanted = Number(process.env.PGSHIFT_DEMO_PORT || 8080);
  // Workspace trust stays off unless --trust. VS Code in the browser keeps the list of trusted
  // folders in the browser's own storage (IndexedDB), and neither code-server nor the VS Code server
  // has a flag or a server-side file to pre-trust a folder, so the only alternative is the trust
  // dialog on every fresh browser profile.
  const trust = flags.has('--trust');
  const server = await startServer(cs, layout, {
    mode: 'code-server',
    port: wanted,
    workspace: EXAMPLE,
    disableWorkspaceTrust: !trust,
  });
  const url = workbenchUrl(server, { folder: EXAMPLE });
  const line = '─'.repeat(Math.min(url.length + 4, 100));
  console.log(`\n${line}\n  pgshift demo (code-server ${cs.version}${trust ? ', workspace trust on' : ''})`);
  console.log(`  open  ${url}`);
  if (server.port !== wanted) console.log(`  (port ${wanted} was busy)`);
  console.log(`  log   ${path.relative(process.cwd(), server.logFile)}`);
  console.log(`  stop  Ctrl-C\n${line}\n`);

  await new Promise((resolve) => {
    let stopping = false;
    const stop = (sig) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${sig}: stopping code-server`);
      server.stop().then(() => resolve());
    };
    process.on('SIGINT', stop).on('SIGTERM', stop).on('SIGHUP', stop);
    server.proc.on('exit', (code, signal) => {
      if (stopping) return;
      const tail = fs.readFileSync(server.logFile, 'utf8').split('\n').slice(-20).join('\n');
      console.error(`code-server exited by itself (${code ?? signal}):\n${tail}`);
      process.exitCode = 1;
      resolve();
    });
  });
}

async function main() {
  if (!flags.has('--no-build')) run('npm', ['run', 'package']);
  if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run \`npm run package\``);

  const code = flags.has('--code-server') ? null : which('code');
  if (code) {
    run(code, ['--install-extension', VSIX, '--force']);
    run(code, [EXAMPLE]);
    console.log(`opened ${path.relative(process.cwd(), EXAMPLE)} in VS Code (${code})`);
    return;
  }
  await inCodeServer();
}

try {
  await main();
} catch (e) {
  console.error(e instanceof SetupError ? `error: ${e.message}` : `error: ${e.message ?? e}`);
  process.exitCode = 1;
}
