import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  isNewDataDir,
  parseTar,
  PGLITE_TEMPLATE_META,
  readPgliteTemplate,
  TemplateError,
  unpackPgliteTemplate,
} from '../../src/core/db/pglite-template';
import { packWithBuildScript, type PackEntry } from './helpers/ustar';

const META = {
  path: PGLITE_TEMPLATE_META,
  type: 'file',
  mode: 0o644,
  data: '{"format":1,"pglite":"0.5.16"}\n',
} as const;
const DATA_DIR: PackEntry[] = [
  { path: 'PG_VERSION', type: 'file', mode: 0o600, data: '18\n' },
  { path: 'base', type: 'dir', mode: 0o700 },
  { path: 'base/5', type: 'dir', mode: 0o700 },
  { path: 'base/5/1259', type: 'file', mode: 0o600, data: Buffer.alloc(8192 + 7, 0xab) },
  { path: 'pg_wal', type: 'dir', mode: 0o700 },
  { path: 'pg_wal/archive_status', type: 'dir', mode: 0o700 },
  { path: 'base/5/empty_fsm', type: 'file', mode: 0o600, data: '' },
];

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-template-'));
}

function templateFile(entries: readonly PackEntry[]): string {
  const file = path.join(tmp(), 'template.tar.gz');
  fs.writeFileSync(file, gzipSync(packWithBuildScript(entries)));
  return file;
}

/** A header's checksum recomputed after an edit, so that only the edit is wrong. */
function withChecksum(tar: Buffer, at: number): Buffer {
  tar.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += tar[i];
  tar.write(sum.toString(8).padStart(6, '0') + '\0 ', at + 148, 'latin1');
  return tar;
}

describe('pglite template (the data directory a new embedded database is unpacked from)', () => {
  it("reads what the build's writer packs: files with their bytes and modes, directories, empty files", () => {
    const entries = parseTar(packWithBuildScript(DATA_DIR));
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.mode.toString(8), e.data.length]),
      DATA_DIR.map((e) => [
        e.path,
        e.type,
        e.mode.toString(8),
        e.data === undefined ? 0 : Buffer.from(e.data).length,
      ]),
    );
    assert.ok(entries[3].data.equals(Buffer.alloc(8192 + 7, 0xab)));
  });

  it('reads a path longer than a ustar name (the prefix field)', () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(40)}/f`;
    const [, , file] = parseTar(
      packWithBuildScript([
        { path: 'd'.repeat(90), type: 'dir', mode: 0o755 },
        { path: `${'d'.repeat(90)}/${'e'.repeat(40)}`, type: 'dir', mode: 0o755 },
        { path: long, type: 'file', mode: 0o644, data: 'x' },
      ]),
    );
    assert.equal(file.path, long);
  });

  it('refuses what a data directory never holds: paths outside it, links, damaged or cut-short archives', () => {
    const refuses = (tar: Buffer, message: RegExp) =>
      assert.throws(
        () => parseTar(tar),
        (e: unknown) => e instanceof TemplateError && message.test(e.message),
      );
    for (const bad of ['../escape', '/etc/passwd', 'base/../../x', 'a//b'])
      refuses(packWithBuildScript([{ path: bad, type: 'file', mode: 0o644, data: 'x' }]), /unsafe path/);
    const link = packWithBuildScript([{ path: 'l', type: 'file', mode: 0o644 }]);
    link.write('2', 156, 'latin1');
    refuses(withChecksum(link, 0), /unsupported entry type '2'/);
    const flipped = packWithBuildScript(DATA_DIR);
    flipped[600 + 512] ^= 1; // a byte of the second header
    refuses(flipped, /bad header checksum/);
    const whole = packWithBuildScript(DATA_DIR);
    refuses(whole.subarray(0, whole.length - 1024 - 512), /truncated archive/);
    refuses(Buffer.alloc(100), /truncated archive/);
    refuses(Buffer.concat([Buffer.from('not a tar'), Buffer.alloc(1024)]), /not a ustar header/);
  });

  it('a template is a gzip whose first entry names the PGlite that made it, and holds PG_VERSION', () => {
    const { meta, entries } = readPgliteTemplate(templateFile([META, ...DATA_DIR]));
    assert.deepEqual(meta, { format: 1, pglite: '0.5.16' });
    assert.deepEqual(
      entries.map((e) => e.path),
      DATA_DIR.map((e) => e.path),
    );
    const refuses = (file: string, message: RegExp) =>
      assert.throws(
        () => readPgliteTemplate(file),
        (e: unknown) => e instanceof TemplateError && message.test(e.message),
      );
    refuses(templateFile(DATA_DIR), /does not start with pgshift-template\.json/);
    refuses(templateFile([META, ...DATA_DIR.slice(1)]), /no PG_VERSION/);
    refuses(
      templateFile([{ ...META, data: '{"format":2,"pglite":"9"}' }, ...DATA_DIR]),
      /unknown template format 2/,
    );
    const raw = path.join(tmp(), 'raw.tar.gz');
    fs.writeFileSync(raw, packWithBuildScript([META, ...DATA_DIR]));
    refuses(raw, /is not a gzip file/);
  });

  it('unpacks into a new or empty directory, all at once: no staging folder is left beside it', () => {
    const entries = parseTar(packWithBuildScript(DATA_DIR));
    for (const makeEmptyFirst of [false, true]) {
      const parent = tmp();
      const dir = path.join(parent, 'db');
      if (makeEmptyFirst) fs.mkdirSync(dir);
      assert.equal(isNewDataDir(dir), true);
      unpackPgliteTemplate(entries, dir);
      assert.equal(fs.readFileSync(path.join(dir, 'PG_VERSION'), 'utf8'), '18\n');
      assert.equal(fs.statSync(path.join(dir, 'base/5/1259')).size, 8192 + 7);
      assert.equal(fs.statSync(path.join(dir, 'base/5/empty_fsm')).size, 0);
      assert.ok(fs.statSync(path.join(dir, 'pg_wal/archive_status')).isDirectory());
      if (process.platform !== 'win32')
        assert.equal(fs.statSync(path.join(dir, 'PG_VERSION')).mode & 0o777, 0o600);
      assert.deepEqual(fs.readdirSync(parent), ['db']);
      assert.equal(isNewDataDir(dir), false);
    }
  });

  it('never unpacks over a directory that holds anything, and leaves it as it was', () => {
    const dir = path.join(tmp(), 'db');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'mine.txt'), 'keep');
    assert.equal(isNewDataDir(dir), false);
    assert.throws(() => unpackPgliteTemplate(parseTar(packWithBuildScript(DATA_DIR)), dir));
    assert.deepEqual(fs.readdirSync(dir), ['mine.txt']);
    assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['db']);
  });
});
