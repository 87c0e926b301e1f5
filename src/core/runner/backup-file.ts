/**
 * backup.mode 'file': each verified backup also leaves the server as files, written through the
 * driver's COPY … TO STDOUT: `<backup.dir>/<id>/<seq>-<schema>.<table>.copy.gz` (PostgreSQL's COPY text
 * format, gzip) and a manifest.json naming each file's table, columns, key, rows and the sha256 of
 * its data. Written into `<id>.partial/` and renamed when every file is complete and its line count
 * equals the rows the server recorded, so a folder without `.partial` is a whole backup.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import type { Driver } from '../db/driver';
import { listBackups, type BackupEntry } from './backup-store';
import { quoteIdent } from './settings';

export interface BackupFile {
  folder: string;
  files: { table: string; columns: string[]; file: string; rows: number; sha256: string; bytes: number }[];
}

export async function writeBackupFiles(
  driver: Driver,
  schema: string,
  dir: string,
  id: number,
): Promise<BackupFile> {
  const [b] = await listBackups(driver, schema, id);
  const folder = join(dir, String(id));
  const partial = `${folder}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const files: BackupFile['files'] = [];
  for (const o of b.objects) {
    const name = `${o.seq}-${o.schema}.${o.table}.copy.gz`.replace(/[/\\]/g, '_');
    const out = createWriteStream(join(partial, name));
    const gzip = createGzip({ level: 1 }); // fast: the file is a second copy, not an archive format
    gzip.pipe(out);
    const hash = createHash('sha256');
    let lines = 0;
    let bytes = 0;
    await driver.copyOut(
      `COPY ${quoteIdent(schema)}.${quoteIdent(o.archiveTable)} TO STDOUT`,
      async (chunk) => {
        hash.update(chunk);
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        if (!gzip.write(chunk)) await once(gzip, 'drain');
      },
    );
    gzip.end();
    await once(out, 'close');
    if (lines !== o.rows)
      throw new Error(`backup ${id}: the file of ${o.table} has ${lines} rows, the archive ${o.rows}`);
    const cols = await driver.query<{ c: string[] }>(
      `SELECT array_agg(attname::text ORDER BY attnum) AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [`${quoteIdent(schema)}.${quoteIdent(o.archiveTable)}`],
    );
    files.push({
      table: `${o.schema}.${o.table}`,
      columns: cols.rows[0].c,
      file: name,
      rows: lines,
      sha256: hash.digest('hex'),
      bytes,
    });
  }
  writeFileSync(join(partial, 'manifest.json'), JSON.stringify(manifest(b, files), null, 2) + '\n');
  rmSync(folder, { recursive: true, force: true });
  renameSync(partial, folder);
  await driver.query(
    `UPDATE ${quoteIdent(schema)}.backups SET file = $2, file_verified = true WHERE id = $1`,
    [id, folder],
  );
  return { folder, files };
}

function manifest(b: BackupEntry, files: BackupFile['files']): unknown {
  return {
    pgshiftBackup: 1,
    id: b.id,
    version: b.version,
    name: b.name,
    direction: b.direction,
    createdAt: b.createdAt,
    format: 'PostgreSQL COPY text format, gzip; restore with COPY <table> (<columns>) FROM STDIN',
    objects: b.objects.map((o, i) => ({
      ...files[i],
      kind: o.kind,
      how: o.how,
      column: o.column,
      setColumns: o.setColumns,
      key: o.keyColumns,
      checksum: o.checksum,
    })),
  };
}
