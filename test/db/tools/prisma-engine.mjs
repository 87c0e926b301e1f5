// Prisma's own schema engine (the WASM build Prisma publishes on npm as @prisma/schema-engine-wasm),
// driven through Prisma's pg driver adapter exactly as the Prisma CLI binds it. `apply` is what
// `prisma migrate deploy` asks the engine for (applyMigrations); `status` is what `prisma migrate
// status` asks for (diagnoseMigrationHistory). The Prisma CLI itself needs the native schema-engine
// binary, downloaded from binaries.prisma.sh on first use, which this machine cannot reach.
/* global WebAssembly */
// usage: DATABASE_URL=... node prisma-engine.mjs apply|status <migrationsDir> [first N folders]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';

const require = createRequire(import.meta.url);
const wasmFile = join(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'), '..', 'schema_engine_bg.wasm');
const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile), { './schema_engine_bg.js': bg });
bg.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();

const [cmd, dir, firstN] = process.argv.slice(2);
let dirs = readdirSync(dir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
if (firstN) dirs = dirs.slice(0, Number(firstN));
const lock = join(dir, 'migration_lock.toml');
const migrationsList = {
  baseDir: dir,
  lockfile: { path: 'migration_lock.toml', content: existsSync(lock) ? readFileSync(lock, 'utf8') : null },
  shadowDbInitScript: '',
  migrationDirectories: dirs.map((d) => ({
    path: d,
    migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: readFileSync(join(dir, d, 'migration.sql'), 'utf8') } },
  })),
};
const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: process.env.DATABASE_URL }));
const schema = 'datasource db {\n  provider = "postgresql"\n}\n';
const engine = await bg.SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => undefined, adapter);
const filters = { externalTables: [], externalEnums: [] };
try {
  const out =
    cmd === 'apply'
      ? await engine.applyMigrations({ migrationsList, filters })
      : await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters });
  process.stdout.write(JSON.stringify({ engine: bg.version(), ...out }) + '\n');
  process.exit(0);
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e?.message ?? e) }) + '\n');
  process.exit(1);
}
