/**
 * Knex, sequelize-cli and TypeORM, the real tools from npm, against a real server: the tool applies
 * the first half of a migration set, pgshift's status agrees; the tool applies the rest (pgshift never
 * runs a code-based tool's migrations: it refuses, naming the command), and pgshift agrees again, as
 * does the tool's own status command.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { fakeIo } from '../unit/helpers/fake-io';
import { pgshiftStatus } from './cli-status';
import { createScratchDatabase, type ScratchDatabase } from './server';

const repo = join(__dirname, '..', '..', '..');
const bin = {
  knex: join(repo, 'node_modules', 'knex', 'bin', 'cli.js'),
  sequelize: join(repo, 'node_modules', 'sequelize-cli', 'lib', 'sequelize'),
  typeorm: join(repo, 'node_modules', 'typeorm', 'cli.js'),
};

function write(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}

function run(tool: keyof typeof bin, args: string[], cwd: string, url: string): string {
  return execFileSync(process.execPath, [bin[tool], ...args], {
    cwd,
    env: { ...process.env, DATABASE_URL: url, NODE_PATH: join(repo, 'node_modules') },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function refuses(cwd: string, url: string, command: RegExp): Promise<void> {
  const io = fakeIo(cwd);
  assert.equal(await main(['up', '--db', url], io), 2);
  assert.match(io.stderr, command);
}

describe('interop with the real code-based tools (knex, sequelize-cli, typeorm)', function () {
  this.timeout(120000);
  let db: ScratchDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await createScratchDatabase('pgshift_fw');
    dir = mkdtempSync(join(tmpdir(), 'pgshift-interop-'));
  });
  afterEach(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const js = (up: string, down: string): string =>
    `exports.up = function (knex) {\n  return knex.raw(${JSON.stringify(up)});\n};\nexports.down = function (knex) {\n  return knex.raw(${JSON.stringify(down)});\n};\n`;

  it('Knex: knex_migrations as knex writes it, batches and times, first half then the rest', async () => {
    write(dir, {
      'knexfile.js':
        "module.exports = { client: 'pg', connection: process.env.DATABASE_URL, migrations: { directory: './db/migrations' } };\n",
      'db/migrations/20240101000000_a.js': js('CREATE TABLE a (id int)', 'DROP TABLE a'),
      'db/migrations/20240102000000_b.js': js('CREATE TABLE b (id int)', 'DROP TABLE b'),
    });
    run('knex', ['migrate:latest'], dir, db.url);
    write(dir, {
      'db/migrations/20240103000000_c.js': js('CREATE TABLE c (id int)', 'DROP TABLE c'),
      'db/migrations/20240104000000_d.js': js('CREATE TABLE d (id int)', 'DROP TABLE d'),
    });
    assert.deepEqual(await pgshiftStatus(dir, db.url), {
      '20240101000000_a.js': 'applied',
      '20240102000000_b.js': 'applied',
      '20240103000000_c.js': 'pending',
      '20240104000000_d.js': 'pending',
    });
    assert.match(run('knex', ['migrate:list'], dir, db.url), /Found 2 Pending Migration/);
    await refuses(dir, db.url, /run `npx knex migrate:latest`/);
    run('knex', ['migrate:latest'], dir, db.url);
    const after = await pgshiftStatus(dir, db.url);
    assert.deepEqual(Object.values(after), ['applied', 'applied', 'applied', 'applied']);
    assert.match(run('knex', ['migrate:list'], dir, db.url), /No Pending Migration files Found/);
    const io = fakeIo(dir);
    assert.equal(await main(['history', '--db', db.url, '--format', 'json'], io), 0, io.stderr);
    const h = JSON.parse(io.stdout) as { history: { key: string; batch: number; appliedAt: string }[] };
    assert.deepEqual(
      h.history.map((x) => [x.key, x.batch]),
      [
        ['20240101000000_a.js', 1],
        ['20240102000000_b.js', 1],
        ['20240103000000_c.js', 2],
        ['20240104000000_d.js', 2],
      ],
    );
    assert.ok(h.history.every((x) => /^\d{4}-\d\d-\d\dT/.test(x.appliedAt)));
    // and back: knex rolls back its last batch, pgshift sees it
    run('knex', ['migrate:rollback'], dir, db.url);
    assert.deepEqual(Object.values(await pgshiftStatus(dir, db.url)), [
      'applied',
      'applied',
      'pending',
      'pending',
    ]);
  });

  it('sequelize-cli: "SequelizeMeta" as sequelize-cli writes it, --to then the rest', async () => {
    const m = (table: string): string =>
      `module.exports = {\n  up: async (queryInterface) => { await queryInterface.sequelize.query('CREATE TABLE ${table} (id int)'); },\n  down: async (queryInterface) => { await queryInterface.sequelize.query('DROP TABLE ${table}'); },\n};\n`;
    write(dir, {
      '.sequelizerc':
        "const path = require('path');\nmodule.exports = { config: path.resolve('config', 'config.js'), 'migrations-path': path.resolve('db', 'migrations') };\n",
      'config/config.js':
        "module.exports = { development: { use_env_variable: 'DATABASE_URL', dialect: 'postgres', logging: false } };\n",
      'package.json':
        '{ "name": "seq-fixture", "private": true, "devDependencies": { "sequelize-cli": "*" } }\n',
      'db/migrations/20240101000000-a.js': m('sa'),
      'db/migrations/20240102000000-b.js': m('sb'),
      'db/migrations/20240103000000-c.js': m('sc'),
      'db/migrations/20240104000000-d.js': m('sd'),
    });
    run('sequelize', ['db:migrate', '--to', '20240102000000-b.js'], dir, db.url);
    assert.deepEqual(await pgshiftStatus(dir, db.url), {
      '20240101000000-a.js': 'applied',
      '20240102000000-b.js': 'applied',
      '20240103000000-c.js': 'pending',
      '20240104000000-d.js': 'pending',
    });
    assert.match(run('sequelize', ['db:migrate:status'], dir, db.url), /down 20240103000000-c\.js/);
    await refuses(dir, db.url, /run `npx sequelize-cli db:migrate`/);
    run('sequelize', ['db:migrate'], dir, db.url);
    assert.deepEqual(Object.values(await pgshiftStatus(dir, db.url)), [
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
    assert.doesNotMatch(run('sequelize', ['db:migrate:status'], dir, db.url), /^down /m);
  });

  it('TypeORM: "migrations" as typeorm writes it (class names), half then the rest', async () => {
    const m = (cls: string, table: string): string =>
      `class ${cls} {\n  async up(queryRunner) { await queryRunner.query('CREATE TABLE ${table} (id int)'); }\n  async down(queryRunner) { await queryRunner.query('DROP TABLE ${table}'); }\n}\nmodule.exports = { ${cls} };\n`;
    write(dir, {
      'data-source.js':
        "const { DataSource } = require('typeorm');\nmodule.exports = { dataSource: new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, migrations: ['migrations/*.js'] }) };\n",
      'migrations/1704067200000-A.js': m('A1704067200000', 'ta'),
      'migrations/1704153600000-B.js': m('B1704153600000', 'tb'),
    });
    run('typeorm', ['migration:run', '-d', 'data-source.js'], dir, db.url);
    write(dir, {
      'migrations/1704240000000-C.js': m('C1704240000000', 'tc'),
      'migrations/1704326400000-D.js': m('D1704326400000', 'td'),
    });
    assert.deepEqual(await pgshiftStatus(dir, db.url), {
      A1704067200000: 'applied',
      B1704153600000: 'applied',
      C1704240000000: 'pending',
      D1704326400000: 'pending',
    });
    assert.match(
      run('typeorm', ['migration:show', '-d', 'data-source.js'], dir, db.url),
      /\[ \] C1704240000000/,
    );
    await refuses(dir, db.url, /run `npx typeorm migration:run -d data-source\.js`/);
    run('typeorm', ['migration:run', '-d', 'data-source.js'], dir, db.url);
    assert.deepEqual(Object.values(await pgshiftStatus(dir, db.url)), [
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
    assert.doesNotMatch(run('typeorm', ['migration:show', '-d', 'data-source.js'], dir, db.url), /\[ \]/);
  });
});
