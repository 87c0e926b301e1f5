import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateConfig } from '../../src/core/config';
import { chooseMigrations } from '../../src/core/migrations/choose';
import { lint } from '../../src/core/lint/engine';
import { discoverMigrations, discoveryOptions } from '../../src/core/migrations/discover';
import {
  changeSetChecksum,
  contextsColumn,
  formattedChangeSetChecksum,
  labelsColumn,
  normalizeChangeLogPath,
  sqlChangeChecksum,
} from '../../src/core/migrations/liquibase';
import { detectLayout } from '../../src/core/migrations/layouts';
import { scriptStatements } from '../../src/core/runner/statements';
import { dbmsIncludesPostgres, isFormattedSql, parseFormattedSql } from '../../src/core/sql/liquibase';
import { splitStatements } from '../../src/core/sql/splitter';

const parse = (text: string) => parseFormattedSql(Buffer.from(text));
const statementsOf = (text: string): string[] => {
  const b = Buffer.from(text);
  return splitStatements(b).statements.map((s) => b.toString('utf8', s.start, s.end));
};

describe('Liquibase checksums (version 9), against values in Liquibase’s own tests', () => {
  // liquibase-standard SQLFileChangeTest "validate checksum if sql(file) content change" (latest version)
  const procedure = (v: string) => `CREATE OR REPLACE PROCEDURE testHello()
                  LANGUAGE plpgsql
                  AS $$
        BEGIN
                  raise notice '${v}';
        END $$`;
  it('a sql change: md5 of its bytes without spaces, tabs and line breaks (SQLFileChangeTest: 9:8cfbd3e5…, 9:f6302129…)', () => {
    assert.equal(sqlChangeChecksum(procedure('value1')), '9:8cfbd3e5970885470db17cd149feb637');
    assert.equal(sqlChangeChecksum(procedure('value2')), '9:f6302129ace10ca356faa21343dd1aa8');
  });

  // liquibase-integration-tests UpgradeChecksumVersionIntegrationTest "DBMS filtered changes should be used
  // to calculate v8 checksum but not v9", changelogs/h2/checksum/dbms-filter-changelog.xml
  it('a changeset: md5 of its changes’ checksums each followed by ":" (UpgradeChecksumVersionIntegrationTest: 9:3b78b991…, 9:62336a61…, 9:d41d8cd9…)', () => {
    // changeset fl:3, <sql dbms="h2">select 1</sql>
    assert.equal(changeSetChecksum([sqlChangeChecksum('select 1')]), '9:3b78b9910981c62ca27148640fad7bc2');
    // changeset fl:2, one sqlFile of create-table.sql counted (the other is for another dbms)
    assert.equal(
      changeSetChecksum([sqlChangeChecksum('create table thisShouldRun(id int)\n')]),
      '9:62336a615e62e89c9d86128d1ca60ecf',
    );
    // changeset fl:1, its only change for another dbms: nothing counted (also MarkChangeSetRanExecutorTest's 'empty')
    assert.equal(changeSetChecksum([]), '9:d41d8cd98f00b204e9800998ecf8427e');
  });

  it('a formatted changeset’s MD5SUM is its SQL’s: directives, line breaks and indentation do not count, comments do', () => {
    const cs = parse(
      '--liquibase formatted sql\n\n--changeset fl:3 context:x\n--comment: not in the checksum\nselect\r\n    1\n--rollback select 2;\n--validCheckSum: ANY\n',
    ).changeSets[0];
    assert.equal(cs.sql, 'select\n    1');
    // the value Liquibase's test recorded for `select 1` (above); no formatted-SQL changelog in Liquibase's
    // tests records an MD5SUM, so this ties the parse to the verified value rather than to one of its own
    assert.equal(formattedChangeSetChecksum(cs.sql), '9:3b78b9910981c62ca27148640fad7bc2');
    const withComment = parse('--liquibase formatted sql\n--changeset fl:3\n-- why\nselect 1\n')
      .changeSets[0];
    assert.notEqual(formattedChangeSetChecksum(withComment.sql), '9:3b78b9910981c62ca27148640fad7bc2');
  });
});

describe('Liquibase formatted SQL: the parse (AbstractFormattedChangeLogParser’s regexes)', () => {
  it('needs --liquibase formatted sql as the first non-blank line', () => {
    assert.equal(isFormattedSql(Buffer.from('\n\n-- liquibase formatted sql\n')), true);
    assert.equal(isFormattedSql(Buffer.from('\uFEFF--Liquibase Formatted SQL\n')), true);
    assert.equal(isFormattedSql(Buffer.from('-- a comment\n--liquibase formatted sql\n')), false);
  });

  it('headers, attributes, rollback, comment and the SQL as Liquibase builds it', () => {
    const f = parse(`--liquibase formatted sql logicalFilePath:db/main.sql

--changeset nvoxland:1
select * from table1;

--changeset "n voxland":"change 2" (stripComments:false splitStatements:false endDelimiter:X runOnChange:true runAlways:true contextFilter:y dbms:mysql runInTransaction:false failOnError:false)
create table table1 (
    id int primary key
);

--rollback delete from table1;
--rollback drop table table1;

--ChangeSet alwyn:4
select (*) from table2;
--rollback not required

-- changeset mysql:1
-- comment: this is a comment
create table mysql_boo (id int primary key);
-- rollback drop table mysql_boo;

--changeset nvoxland::4 labels:A,b context:"a or b"
select 1
/* liquibase rollback
select 2;
select 3;
*/
`);
    assert.deepEqual(f.errors, []);
    assert.equal(f.logicalFilePath, 'db/main.sql');
    assert.deepEqual(
      f.changeSets.map((c) => `${c.author}:${c.id}`),
      ['nvoxland:1', 'n voxland:change 2', 'alwyn:4', 'mysql:1', 'nvoxland::4'],
    );
    const [a, b, c, d, e] = f.changeSets;
    assert.equal(a.sql, 'select * from table1;');
    assert.deepEqual(
      [
        a.attributes.splitStatements,
        a.attributes.runInTransaction,
        a.attributes.endDelimiter,
        a.rollback.kind,
      ],
      [true, true, undefined, 'none'],
    );
    assert.equal(b.sql, 'create table table1 (\n    id int primary key\n);');
    assert.deepEqual(
      {
        split: b.attributes.splitStatements,
        strip: b.attributes.stripComments,
        end: b.attributes.endDelimiter,
        onChange: b.attributes.runOnChange,
        always: b.attributes.runAlways,
        tx: b.attributes.runInTransaction,
        fail: b.attributes.failOnError,
        context: b.attributes.context,
        dbms: b.attributes.dbms,
      },
      {
        split: false,
        strip: false,
        end: 'X',
        onChange: true,
        always: true,
        tx: false,
        fail: false,
        context: 'y',
        dbms: 'mysql',
      },
    );
    assert.equal(
      b.rollback.kind === 'sql' && b.rollback.sql.trim(),
      'delete from table1;\ndrop table table1;',
    );
    assert.equal(c.rollback.kind, 'empty');
    assert.equal(d.comments, 'this is a comment');
    assert.equal(d.sql, 'create table mysql_boo (id int primary key);');
    // Liquibase appends a /* liquibase rollback */ block's lines without line breaks
    assert.deepEqual(e.rollback.kind === 'sql' && e.rollback.sql, 'select 2;select 3;');
    assert.deepEqual([e.attributes.labels, e.attributes.context], ['A,b', 'a or b']);
  });

  it('what Liquibase refuses is an error: a space after the colon, a changeset without SQL', () => {
    const f = parse(
      '--liquibase formatted sql\n--changeset bob: 1\nselect 1;\n--changeset bob:2\n--changeset bob:3\nselect 3;\n',
    );
    assert.deepEqual(
      f.errors.map((e) => e.line),
      [2, 4],
    );
    assert.match(f.errors[1].message, /No SQL for changeset bob:2/);
  });

  it('ignoreLines, and SQL before the first changeset (Liquibase never runs it)', () => {
    const f = parse(
      '--liquibase formatted sql\ncreate table stray (id int);\n--changeset a:1\nselect 1;\n--ignoreLines:start\nselect 2;\n--ignoreLines:end\nselect 3;\n--ignoreLines:1\nselect 4;\n',
    );
    assert.equal(f.changeSets[0].sql, 'select 1;\nselect 3;');
    assert.deepEqual(
      f.outside.map((o) => o.line),
      [2],
    );
    assert.deepEqual(
      statementsOf(
        '--liquibase formatted sql\ncreate table stray (id int);\n--changeset a:1\nselect 1;\n--ignoreLines:start\nselect 2;\n--ignoreLines:end\nselect 3;\n--ignoreLines:1\nselect 4;\n',
      ),
      ['select 1', 'select 3'],
    );
  });

  it('dbms: as DatabaseList.definitionMatches reads it for PostgreSQL', () => {
    assert.deepEqual(
      [undefined, 'postgresql', 'postgresql,h2', 'oracle', '!postgresql', '!oracle', 'all', 'none'].map(
        dbmsIncludesPostgres,
      ),
      [true, true, true, false, false, true, true, false],
    );
  });

  it('CONTEXTS, LABELS and FILENAME as Liquibase writes them', () => {
    assert.deepEqual(
      [contextsColumn('dev'), contextsColumn('dev, test'), contextsColumn('a or b'), contextsColumn('')],
      ['dev', '(dev, test)', '(a or b)', null],
    );
    assert.deepEqual([labelsColumn('A, b,a'), labelsColumn(undefined)], ['a,b', null]);
    assert.equal(normalizeChangeLogPath('classpath:/db\\changelog/./x/../main.sql'), 'db/changelog/main.sql');
  });
});

describe('Liquibase formatted SQL: split, lint and discovery read the changeset attributes', function () {
  this.timeout(60_000);

  it('splitStatements:false is one statement; endDelimiter cuts there; each changeset splits on its own', () => {
    assert.deepEqual(
      statementsOf(`--liquibase formatted sql
--changeset a:1 splitStatements:false
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS 'begin return 1; end';
SELECT f();
--changeset a:2 endDelimiter:GO
SELECT 'x;y'
GO
SELECT 2; SELECT 3
go
--changeset a:3
select 4
--changeset a:4
select 5;
`),
      [
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS 'begin return 1; end';\nSELECT f()",
        "SELECT 'x;y'",
        'SELECT 2; SELECT 3',
        'select 4',
        'select 5',
      ],
    );
  });

  it('runInTransaction:false lets CREATE INDEX CONCURRENTLY pass; without it the linter says so, and its fix adds the attribute', async () => {
    const ok = await lint(
      '--liquibase formatted sql\n--changeset a:1 runInTransaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (c);\n',
    );
    assert.deepEqual(
      ok.findings.filter((f) => f.severity === 'error').map((f) => f.rule),
      [],
    );
    const text =
      '--liquibase formatted sql\n--changeset a:1\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (c);\n';
    const bad = await lint(text);
    const f = bad.findings.find((x) => x.rule === 'concurrently-in-transaction');
    assert.ok(f, JSON.stringify(bad.findings.map((x) => x.rule)));
    assert.match(f.message, /runInTransaction:false/);
    const edit = f.suggestions?.[0].edits[0];
    assert.ok(edit);
    const fixed = text.slice(0, edit.range.start) + edit.newText + text.slice(edit.range.end);
    assert.equal(fixed.split('\n')[1], '--changeset a:1 runInTransaction:false');
    assert.deepEqual(
      (await lint(fixed)).findings.filter((x) => x.rule === 'concurrently-in-transaction'),
      [],
    );
  });

  describe('discovery', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'pgshift-lb-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const put = (rel: string, text: string) => {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    };

    it('each changeset is a migration, files in path order; rollback is the down; skipped and refused changesets reported', () => {
      put(
        'b/2.sql',
        '--liquibase formatted sql\n--changeset bob:x\nselect 1;\n--rollback select 2;\n--changeset bob:oracle dbms:oracle\nselect * from dual;\n--changeset bob:skip ignore:true\nselect 3;\n--changeset bob:pre\n--preconditions onFail:MARK_RAN\n--precondition-sql-check expectedResult:0 select 1\nselect 4;\n--rollback not required\n',
      );
      put('a.sql', '--liquibase formatted sql\n--changeset alice:1 runInTransaction:false\nselect 0;\n');
      put('notes.sql', 'select 42;\n');
      put('db.changelog-master.xml', '<databaseChangeLog/>');
      assert.equal(detectLayout(dir).layout, 'liquibase');
      const set = discoverMigrations(dir, 'liquibase', { liquibaseFilenamePrefix: 'db/changelog/' });
      assert.deepEqual(
        set.migrations.map((m) => [
          m.version,
          m.name,
          m.changeSet?.filename,
          m.up.noTransaction,
          m.down?.sql,
        ]),
        [
          ['1.1', 'alice:1', 'db/changelog/a.sql', true, undefined],
          ['2.1', 'bob:x', 'db/changelog/b/2.sql', false, 'select 2;\n'],
          ['2.4', 'bob:pre', 'db/changelog/b/2.sql', false, ''],
        ],
      );
      assert.deepEqual(
        scriptStatements(set.migrations[1].up).map((s) => [s.sql, s.line]),
        [['select 1', 3]],
      );
      const problems = set.problems.map((p) => `${p.severity}: ${p.message}`);
      const has = (re: RegExp) =>
        assert.ok(
          problems.some((p) => re.test(p)),
          `${re} in ${problems.join('\n')}`,
        );
      has(/^warning: no rollback: changeset alice:1/);
      has(/^info: changeset bob:oracle .* dbms:oracle: Liquibase skips it on PostgreSQL/);
      has(/^info: changeset bob:skip .* ignore:true/);
      has(/^error: changeset bob:pre .* preconditions: .*liquibase update/);
      has(/^info: ignored: notes\.sql does not start with --liquibase formatted sql/);
      has(/^info: not read: db\.changelog-master\.xml/);
      assert.ok(!problems.some((p) => /holds \$\{/.test(p)));
    });

    it('a duplicate FILENAME::id::author and --property are errors, as Liquibase refuses them', () => {
      put(
        'a.sql',
        '--liquibase formatted sql logicalFilePath:same.sql\n--property name:t value:x\n--changeset a:1\nselect 1 from ${t};\n--changeset A:1\nselect 2;\n',
      );
      const set = discoverMigrations(dir, 'liquibase');
      assert.deepEqual(
        set.migrations.map((m) => m.changeSet?.filename),
        ['same.sql'],
      );
      const errors = set.problems.filter((p) => p.severity === 'error').map((p) => p.message);
      assert.equal(errors.length, 2, errors.join('\n'));
      assert.match(errors.join('\n'), /--property/);
      assert.match(errors.join('\n'), /duplicate changeset A:1/);
      assert.ok(set.problems.some((p) => p.severity === 'warning' && /a:1 .* holds \$\{…\}/.test(p.message)));
    });
  });

  it('a Liquibase project is found and its changesets listed as the editor’s tree and the CLI read them (chooseMigrations, discovery)', () => {
    const root = mkdtempSync(join(tmpdir(), 'pgshift-lb-project-'));
    try {
      writeFileSync(join(root, 'liquibase.properties'), 'changeLogFile=db/changelog/001-init.sql\n');
      mkdirSync(join(root, 'db', 'changelog'), { recursive: true });
      writeFileSync(
        join(root, 'db', 'changelog', '001-init.sql'),
        '--liquibase formatted sql\n--changeset a:1\nCREATE TABLE t (id bigint PRIMARY KEY);\n--rollback DROP TABLE t;\n--changeset a:2\nALTER TABLE t ADD COLUMN n text;\n--rollback ALTER TABLE t DROP COLUMN n;\n',
      );
      const loaded = loadConfig(root);
      const choice = chooseMigrations(loaded);
      assert.deepEqual(
        [choice.layout, choice.dir, choice.source],
        ['liquibase', join(root, 'db', 'changelog'), 'detected'],
      );
      const set = discoverMigrations(choice.dir, choice.layout, discoveryOptions(loaded.config));
      assert.deepEqual(
        set.migrations.map((m) => `${m.version} ${m.name} ${m.changeSet?.filename}`),
        ['1.1 a:1 001-init.sql', '1.2 a:2 001-init.sql'],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the config’s liquibase.filenamePrefix, checked as every setting', () => {
    assert.equal(
      validateConfig({ liquibase: { filenamePrefix: 'db/' } }, 'x').liquibase.filenamePrefix,
      'db/',
    );
    assert.equal(validateConfig({}, 'x').liquibase.filenamePrefix, '');
    assert.throws(() => validateConfig({ liquibase: { prefix: 'x' } }, 'x'), /liquibase\.prefix/);
    assert.throws(() => validateConfig({ liquibase: { filenamePrefix: 1 } }, 'x'), /must be a string/);
    assert.equal(validateConfig({ layout: 'liquibase' }, 'x').layout, 'liquibase');
  });
});

// Liquibase's own formatted SQL changelogs, in the shared corpus (corpus/liquibase, see its SOURCES.md):
// liquibase/liquibase at bcb4425849cc7469c59495a6fbbb2081be278ee6 (2025-09-25, the last commit under the
// Apache License 2.0), liquibase-integration-tests/src/test/resources/changelogs/{init/example-changelog,
// common/rollbackable.changelog, common/sqlstyle/formatted.changelog, pgsql/complete/basic.formatted}.sql
describe('Liquibase’s own changelogs (shared corpus): detected, listed, linted', function () {
  this.timeout(60_000);
  const root = join(__dirname, '..', '..', '..');
  const project = join(root, '..', 'shared', 'corpus', 'liquibase');
  const dir = join(project, 'liquibase-integration-tests', 'src', 'test', 'resources', 'changelogs');
  before(function () {
    if (!existsSync(dir)) this.skip();
  });

  it('lists each changeset with the FILENAME Liquibase’s tests run it under (changelogs/…), its rollback and attributes', () => {
    assert.equal(detectLayout(join(dir, 'init')).layout, 'liquibase');
    const set = discoverMigrations(dir, 'liquibase', { liquibaseFilenamePrefix: 'changelogs/' });
    assert.deepEqual(
      set.migrations.map((m) => [
        m.version,
        m.name,
        m.changeSet?.filename,
        m.down === undefined ? '-' : m.down.sql.trim(),
      ]),
      [
        [
          '1.1',
          'flautert:3324_1',
          'changelogs/common/rollbackable.changelog.sql',
          'DROP TABLE rollback_test',
        ],
        ['1.2', 'flautert:3324_2', 'changelogs/common/rollbackable.changelog.sql', ''],
        ['2.1', 'nvoxland:1', 'changelogs/common/sqlstyle/formatted.changelog.sql', '-'],
        ['2.2', 'nvoxland:2', 'changelogs/common/sqlstyle/formatted.changelog.sql', '-'],
        ['2.3', 'ryan:1', 'changelogs/common/sqlstyle/formatted.changelog.sql', '-'],
        ['2.4', 'ryan:2', 'changelogs/common/sqlstyle/formatted.changelog.sql', '-'],
        ['2.5', 'ryan:1-bar', 'changelogs/common/sqlstyle/formatted.changelog.sql', '-'],
        ['2.6', 'ryan:1-foo', 'changelogs/common/sqlstyle/formatted.changelog.sql', '-'],
        ['3.1', 'your.name:1', 'changelogs/init/example-changelog.sql', 'DROP TABLE person;'],
        ['3.2', 'your.name:2', 'changelogs/init/example-changelog.sql', 'DROP TABLE company;'],
        [
          '3.3',
          'other.dev:3',
          'changelogs/init/example-changelog.sql',
          'ALTER TABLE person DROP COLUMN country;',
        ],
        ['4.1', 'your.name:1', 'changelogs/pgsql/complete/basic.formatted.sql', '-'],
      ],
    );
    const byName = (n: string) => set.migrations.find((m) => m.name === n)!;
    assert.deepEqual(
      [byName('ryan:1').changeSet?.contexts, byName('other.dev:3').changeSet?.labels],
      ['hyphen-context-using-sql', 'something-else'],
    );
    // "--rollback" with nothing after it is no rollback line to Liquibase: the delete stays in the changeset
    assert.deepEqual(
      scriptStatements(byName('nvoxland:1').up).map((s) => s.sql.split('\n')[0]),
      ['create table test1 (', 'delete from test1'],
    );
    // the same CREATE TABLE in two files, spaced differently: the same MD5SUM, as whitespace does not count
    assert.equal(set.migrations[8].changeSet?.checksum, set.migrations[11].changeSet?.checksum);
    assert.deepEqual(
      set.problems.filter((p) => p.severity === 'error'),
      [],
    );
  });

  it('lints every changeset as PostgreSQL SQL (no syntax errors), with the rules that apply to them', async () => {
    const set = discoverMigrations(dir, 'liquibase');
    const files = [...new Set(set.migrations.map((m) => m.up.file))];
    const findings = [];
    for (const f of files)
      findings.push(...(await lint(readFileSync(f, 'utf8'), { postgresVersion: 16 })).findings);
    assert.deepEqual(
      findings.filter((f) => f.rule === 'syntax-error'),
      [],
    );
    assert.ok(findings.some((f) => f.rule === 'prefer-bigint-keys'));
  });
});
