// Makes dist/pglite-template.tar.gz: the data directory that PGlite's initdb creates, made once here at
// build time (run by `npm run build`) so that a user's first embedded command unpacks it instead of
// running initdb in WASM (2.5-8 s and 800 MB; see the README's benchmarks). It is what PGlite itself
// would create on first use, closed cleanly (the shutdown checkpoint is written), as a plain ustar,
// gzipped, whose first entry says which PGlite made it (src/core/db/pglite-template.ts reads it).
// Up to date when that entry names the installed PGlite: then it does nothing (`--force` remakes it).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ustar } from './ustar.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'pglite-template.tar.gz');
const META = 'pgshift-template.json';
const require = createRequire(import.meta.url);
const pgliteDir = dirname(dirname(require.resolve('@electric-sql/pglite')));
const pgliteVersion = JSON.parse(readFileSync(join(pgliteDir, 'package.json'), 'utf8')).version;
const meta = { format: 1, pglite: pgliteVersion };

function current() {
  try {
    const tar = gunzipSync(readFileSync(out));
    const name = tar.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(tar.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim(), 8);
    return name === META && JSON.stringify(JSON.parse(tar.toString('utf8', 512, 512 + size))) === JSON.stringify(meta);
  } catch {
    return false;
  }
}

function tarOf(dataDir) {
  const entries = [{ path: META, type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify(meta) + '\n') }];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const path = relative(dataDir, full).split(sep).join('/');
      const st = statSync(full);
      if (st.isDirectory()) {
        entries.push({ path, type: 'dir', mode: st.mode });
        walk(full);
      } else if (st.isFile()) entries.push({ path, type: 'file', mode: st.mode, data: readFileSync(full) });
      else throw new Error(`${full}: neither a file nor a directory`);
    }
  };
  walk(dataDir);
  return ustar(entries);
}

if (!process.argv.includes('--force') && current()) {
  console.log(`pglite template: ${relative(root, out)} is up to date (PGlite ${pgliteVersion})`);
} else {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'pgshift-pglite-template-'));
  try {
    const dataDir = join(work, 'db');
    const { PGlite } = require('@electric-sql/pglite');
    const db = await PGlite.create(dataDir);
    await db.query('SELECT 1');
    await db.close();
    const gz = gzipSync(tarOf(dataDir), { level: 9 });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(`${out}.tmp`, gz);
    renameSync(`${out}.tmp`, out);
    console.log(
      `pglite template: wrote ${relative(root, out)} (${(gz.length / 1e6).toFixed(1)} MB, PGlite ${pgliteVersion}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
