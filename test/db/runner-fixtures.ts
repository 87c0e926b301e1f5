/* Shared by the runner tests: throwaway projects, the built CLI, and "is the database unchanged" probes. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Driver } from '../../src/core/db/driver';
import { discoverMigrations } from '../../src/core/migrations/discover';
import type { MigrationSet } from '../../src/core/migrations/model';
import { schemaSnapshot } from '../../src/core/runner';

export interface Project {
  root: string;
  dir: string;
  write(file: string, sql: string): string;
  remove(file: string): void;
  set(): MigrationSet;
}

const projects: string[] = [];

/** A project folder with pgshift.config.json and migrations/ holding `files`. Removed when the process exits. */
export function makeProject(files: Record<string, string>, config: Record<string, unknown> = {}): Project {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-runner-'));
  projects.push(root);
  const dir = path.join(root, 'migrations');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(root, 'pgshift.config.json'),
    JSON.stringify({ layout: 'golang-migrate', ...config }, null, 2),
  );
  const write = (file: string, sql: string): string => {
    const p = path.join(dir, file);
    fs.writeFileSync(p, sql);
    return p;
  };
  for (const [f, sql] of Object.entries(files)) write(f, sql);
  return {
    root,
    dir,
    write,
    remove: (file) => fs.rmSync(path.join(dir, file)),
    set: () => discoverMigrations(dir, (config.layout as 'golang-migrate' | undefined) ?? 'golang-migrate'),
  };
}

/** A copy of examples/shop (its config and migrations). */
export function copyOfShop(): Project {
  const src = path.join(__dirname, '..', '..', '..', 'examples', 'shop');
  const p = makeProject({});
  fs.copyFileSync(path.join(src, 'pgshift.config.json'), path.join(p.root, 'pgshift.config.json'));
  for (const f of fs.readdirSync(path.join(src, 'migrations')))
    fs.copyFileSync(path.join(src, 'migrations', f), path.join(p.dir, f));
  return p;
}

process.on('exit', () => {
  for (const p of projects) fs.rmSync(p, { recursive: true, force: true });
});

export const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'bin.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliProcess {
  child: ReturnType<typeof spawn>;
  done: Promise<CliRun>;
}

/** Starts the built CLI (out/src/cli/bin.js) in `cwd`. DATABASE_URL and PG* variables of the caller are not passed on. */
export function startCli(args: string[], cwd: string, env: Record<string, string> = {}): CliProcess {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(PG|DATABASE_URL$)/.test(k)) clean[k] = v;
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return startCli(args, cwd, env).done;
}

/** Everything a dry run must leave as it was: the schema, every tracking table's rows, relation files, sequences. */
export async function databaseFingerprint(driver: Driver): Promise<string> {
  const schema = await schemaSnapshot(driver, { excludeSchemas: [] });
  const files = await driver.query<{ r: string }>(
    `SELECT string_agg(c.oid::regclass::text || '=' || c.relfilenode, ',' ORDER BY c.oid) AS r
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'`,
  );
  const tables = await driver.query<{ t: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1`,
  );
  const rows: string[] = [];
  for (const { t } of tables.rows) {
    const r = await driver.query(`SELECT * FROM ${t} ORDER BY 1`);
    rows.push(`${t}: ${JSON.stringify(r.rows)}`);
  }
  const seqs = await driver.query<{ s: string }>(
    `SELECT string_agg(format('%I.%I', schemaname, sequencename) || '=' || coalesce(last_value::text, 'null'), ',' ORDER BY 1) AS s FROM pg_sequences`,
  );
  return [schema, files.rows[0].r, ...rows, seqs.rows[0].s].join('\n');
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A PGlite database emptied of everything a previous test created (opening a fresh one costs seconds). */
export async function resetDatabase(driver: Driver): Promise<void> {
  const schemas = await driver.query<{ n: string }>(
    `SELECT nspname AS n FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%'`,
  );
  for (const { n } of schemas.rows) await driver.exec(`DROP SCHEMA "${n.replace(/"/g, '""')}" CASCADE`);
  await driver.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
}
