import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type PgshiftConfig } from '../../src/core/config';
import type { Driver } from '../../src/core/db/driver';
import { openDriver, targetFromUrl } from '../../src/core/db/open';
import { discoverMigrations } from '../../src/core/migrations/discover';
import type { MigrationSet } from '../../src/core/migrations/model';

/** A golang-migrate directory in a temp folder: { '1_create': ['up sql', 'down sql' | null] }. */
export function migrationsDir(files: Record<string, [string, string | null]>): {
  dir: string;
  set(): MigrationSet;
  remove(): void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-report-mig-'));
  for (const [name, [up, down]] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, `${name}.up.sql`), up);
    if (down !== null) fs.writeFileSync(path.join(dir, `${name}.down.sql`), down);
  }
  return {
    dir,
    set: () => discoverMigrations(dir, 'golang-migrate'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export const CONFIG: PgshiftConfig = { ...DEFAULT_CONFIG, layout: 'golang-migrate' };

export function open(url: string): Promise<Driver> {
  return openDriver(targetFromUrl(url));
}
