// Environments against a real PostgreSQL (the db suite's embedded server, with password auth): the
// password round trip through SecretStorage (never into settings), the prompt, production and
// read-only environments, and an unreachable server that must not hold anything up.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DryRunReport } from '../../src/core/runner';
import type { ConnectionCheck } from '../../src/extension/features/environment-commands';
import type { PgshiftApi } from '../../src/extension/extension';
import { startTestServer, stopTestServer, testServerUrl } from '../db/server';
import { dismissInput, labelOf, migrationRows, pgshift, sleep, waitFor, workspaceRoot } from './helpers';

const run = <T>(id: string, ...args: unknown[]): Thenable<T | undefined> =>
  vscode.commands.executeCommand<T>(id, ...args);

describe('environments and secrets', function () {
  this.timeout(120_000);
  let api: PgshiftApi;
  let password: string;
  let dead: net.Server;
  const sockets: net.Socket[] = [];
  let tmp = '';

  before(async () => {
    api = await pgshift();
    // postgres runs as its own user when we are root: its temp dir must be reachable (the extension
    // host's TMPDIR is a private one)
    const savedTmp = process.env.TMPDIR;
    tmp = fs.mkdtempSync('/tmp/pgs-itest-');
    fs.chmodSync(tmp, 0o755);
    process.env.TMPDIR = tmp;
    try {
      await startTestServer();
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    const url = new URL(testServerUrl());
    password = decodeURIComponent(url.password);
    const noPassword = `postgres://${url.username}@${url.host}${url.pathname}`;
    // accepts connections and never answers: a hung server or a black-holed network
    dead = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as net.AddressInfo).port;
    const config = vscode.workspace.getConfiguration('pgshift');
    await config.update('connectTimeoutSeconds', 2, vscode.ConfigurationTarget.Workspace);
    await config.update(
      'environments',
      {
        itest: { url: noPassword },
        'itest-prod': { url: noPassword, production: true },
        'itest-ro': { url: noPassword, readOnly: true },
        dead: { host: '127.0.0.1', port: deadPort, database: 'x', user: 'x' },
      },
      vscode.ConfigurationTarget.Workspace,
    );
  });

  after(async () => {
    await run('pgshift.selectEnvironment', '$sandbox');
    for (const env of ['itest', 'itest-prod', 'itest-ro']) await run('pgshift.clearPassword', env);
    const config = vscode.workspace.getConfiguration('pgshift');
    await config.update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('connectTimeoutSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    for (const s of sockets) s.destroy();
    dead?.close();
    await stopTestServer();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('offers the Local sandbox, the project’s environments and the user’s', async () => {
    for (const id of ['staging', 'itest', 'dead', '$sandbox']) {
      assert.strictEqual(await run('pgshift.selectEnvironment', id), id);
      assert.strictEqual(api.inspect.environment(), id);
    }
    assert.strictEqual(await run('pgshift.selectEnvironment', 'no-such-env'), undefined);
    assert.strictEqual(api.inspect.environment(), '$sandbox');
  });

  it('Test connection without a password: one clear line', async () => {
    const check = await run<ConnectionCheck>('pgshift.testConnection', 'itest', { prompt: false });
    assert.strictEqual(check?.ok, false);
    assert.match(check!.error!, /asked for a password/);
    assert.ok(!check!.error!.includes('\n'), 'more than one line');
  });

  it('Set Password keeps it in secret storage: it signs in, and no settings file holds it', async () => {
    assert.strictEqual(await run('pgshift.setPassword', 'itest', password), true);
    const check = await run<ConnectionCheck>('pgshift.testConnection', 'itest', { prompt: false });
    assert.strictEqual(check?.ok, true, check?.error);
    assert.match(check!.server!, /^PostgreSQL \d+/);
    assert.ok(check!.roundTripMs! >= 0 && check!.connectMs! >= 0);
    // not in any setting, not in any file of the workspace
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('pgshift')).includes(password));
    const inspect = vscode.workspace.getConfiguration('pgshift').inspect('environments');
    assert.ok(!JSON.stringify(inspect).includes(password));
    for (const f of walk(workspaceRoot()))
      assert.ok(!fs.readFileSync(f).includes(password), `${f} holds the password`);
  });

  it('reads the state on the selected environment with the stored password', async () => {
    await run('pgshift.selectEnvironment', 'itest');
    await api.inspect.statusLoaded();
    const rows = migrationRows(api);
    assert.ok(rows.size >= 8);
    for (const [name, r] of rows) assert.strictEqual(r.description, 'pending', name);
    assert.strictEqual((await api.inspect.history()).length, 0);
  });

  it('forgets the password, then asks for it when the server wants one; a dismissed prompt fails cleanly', async () => {
    assert.strictEqual(await run('pgshift.clearPassword', 'itest'), true);
    const pending = run<ConnectionCheck>('pgshift.testConnection', 'itest');
    const early = await Promise.race([pending, sleep(1500).then(() => 'waiting')]);
    assert.strictEqual(early, 'waiting', 'the password prompt did not wait for an answer');
    await dismissInput(0);
    const check = await pending;
    assert.strictEqual(check?.ok, false);
    assert.match(check!.error!, /password/);
  });

  it('production: up waits for the environment’s name to be typed; dismissed, nothing runs', async () => {
    await run('pgshift.setPassword', 'itest-prod', password);
    await run('pgshift.selectEnvironment', 'itest-prod');
    await api.inspect.statusLoaded();
    const pending = run('pgshift.up', { version: '20260101090000' });
    const early = await Promise.race([pending, sleep(2000).then(() => 'waiting')]);
    assert.strictEqual(early, 'waiting', 'up on production did not ask for confirmation');
    await dismissInput(0);
    assert.strictEqual(await pending, undefined);
    assert.strictEqual((await api.inspect.history()).length, 0, 'something ran on production');
  });

  it('read-only: up refuses and runs nothing; a dry run works and writes nothing', async () => {
    await run('pgshift.setPassword', 'itest-ro', password);
    await run('pgshift.selectEnvironment', 'itest-ro');
    await api.inspect.statusLoaded();
    assert.strictEqual(await run('pgshift.up', { version: '20260101090000' }), undefined);
    const report = await run<DryRunReport>('pgshift.dryRun', { version: '20260102090000' });
    assert.ok(report?.ok, JSON.stringify(report));
    assert.deepStrictEqual(
      report.migrations.map((m) => m.name),
      ['create_customers', 'create_orders'],
    );
    assert.strictEqual((await api.inspect.history()).length, 0);
    await api.inspect.statusLoaded();
    assert.strictEqual(migrationRows(api).get('create_customers')?.description, 'pending');
  });

  it('an unreachable server: the view answers at once, and the error comes within the timeout', async () => {
    await run('pgshift.selectEnvironment', 'dead');
    const t0 = Date.now();
    const items = api.inspect.migrations();
    assert.ok(Date.now() - t0 < 500, `the view took ${Date.now() - t0} ms`);
    assert.ok(items.length >= 8, 'the files are listed while the state loads');
    const error = await waitFor(
      'the connection error in the view',
      () => api.inspect.migrations().find((i) => labelOf(i) === 'Cannot read the state on dead'),
      15_000,
    );
    assert.match(String(error.description), /could not connect|timeout|timed out|within/i);
    const t1 = Date.now();
    const check = await run<ConnectionCheck>('pgshift.testConnection', 'dead', { prompt: false });
    assert.strictEqual(check?.ok, false);
    assert.ok(Date.now() - t1 < 10_000, `test connection took ${Date.now() - t1} ms`);
    assert.ok(!check!.error!.includes('\n'));
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'db' ? [] : walk(p);
    return [p];
  });
}
