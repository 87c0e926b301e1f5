import assert from 'node:assert/strict';
import { extractSql } from '../../src/core/frameworks/embedded';
import type { CodeLanguage } from '../../src/core/frameworks/framework';
import { lintCode, neutralisePlaceholders } from '../../src/core/frameworks/lint-code';
import { literalAt } from '../../src/core/frameworks/literals';
import { loadParser } from '../../src/core/sql/parser';

/** Every unit of a decoded value maps to source characters that decode to it. */
function assertMapped(text: string, lang: CodeLanguage): void {
  for (const piece of extractSql(text, lang).sql) {
    assert.equal(piece.starts.length, piece.value.length);
    for (let i = 0; i < piece.value.length; i++) {
      const src = text.slice(piece.starts[i], piece.ends[i]);
      if (src.length === 1) assert.equal(src, piece.value[i], `unit ${i} of ${JSON.stringify(piece.value)}`);
      else assert.ok(src.startsWith('\\') || src === "''" || src === '""' || src === '\r\n', `escape ${src}`);
    }
  }
}

/** `rule line:column token` where `token` is found on that line right after `before`, by plain search. */
function at(text: string, rule: string, line: number, token: string, before = ''): string {
  const l = text.split('\n')[line - 1];
  const col = l.indexOf(before + token);
  assert.ok(col >= 0, `${before}${token} not on line ${line}`);
  return `${rule} ${line}:${col + before.length + 1} ${token}`;
}

/** Findings as `rule line:column text` (1-based, UTF-16 columns as the editor counts). */
async function findingsAt(text: string, lang: CodeLanguage): Promise<string[]> {
  const res = lintCode(await loadParser(), text, lang);
  return res.findings.map((f) => {
    const p = res.source.positionAt(f.range.start);
    return `${f.rule} ${p.line + 1}:${p.character + 1} ${res.source.slice(f.range.start, f.range.end)}`;
  });
}

describe('frameworks: SQL literals in code migrations', () => {
  it('decodes Python, JavaScript, Ruby and C# escapes and maps every unit back', () => {
    const py = literalAt(String.raw`x = "a\n\'é\u00e9\x41"`, 4, 'python')!;
    assert.equal(py.value, "a\n'ééA");
    const raw = literalAt(String.raw`r"a\nb"`, 0, 'python')!;
    assert.equal(raw.value, String.raw`a\nb`);
    const js = literalAt('`sel\\u{1F600}ect`', 0, 'javascript')!;
    assert.equal(js.value, 'sel\u{1F600}ect');
    assert.equal(js.interpolated, false);
    assert.equal(literalAt('`a ${b}`', 0, 'javascript')!.interpolated, true);
    const cs = literalAt('@"say ""hi"" \\n"', 0, 'csharp')!;
    assert.equal(cs.value, 'say "hi" \\n');
    const rb = literalAt("'it\\'s \\n'", 0, 'ruby')!;
    assert.equal(rb.value, "it's \\n");
    assert.equal(literalAt('"a #{b}"', 0, 'ruby')!.interpolated, true);
    assert.equal(literalAt('f"a {b}"', 0, 'python')!.interpolated, true);
    assert.equal(literalAt('f"a {{b}}"', 0, 'python')!.interpolated, false);
    assert.equal(literalAt('$"a {b}"', 0, 'csharp')!.interpolated, true);
  });

  it('Rails: execute <<~SQL strips the heredoc indentation and maps findings to the .rb lines', async () => {
    const rb = [
      'class AddIndex < ActiveRecord::Migration[7.1]',
      '  def up',
      '    execute <<~SQL',
      '      -- café ☕ first',
      '      CREATE INDEX idx_users_email ON users (email);',
      '    SQL',
      '    execute "ALTER TABLE users ADD COLUMN n int NOT NULL"',
      '  end',
      '  def down',
      "    execute 'DROP INDEX idx_users_email'",
      '  end',
      'end',
      '',
    ].join('\n');
    const { sql } = extractSql(rb, 'ruby');
    assert.deepEqual(
      sql.map((s) => [s.value, s.direction]),
      [
        ['-- café ☕ first\nCREATE INDEX idx_users_email ON users (email);\n', 'up'],
        ['ALTER TABLE users ADD COLUMN n int NOT NULL', 'up'],
        ['DROP INDEX idx_users_email', 'down'],
      ],
    );
    assertMapped(rb, 'ruby');
    const found = await findingsAt(rb, 'ruby');
    // line 5 is `      CREATE INDEX idx_users_email ON users (email);`, after a line with non-ASCII
    assert.ok(
      found.includes(at(rb, 'require-concurrent-index-creation', 5, 'users', 'ON ')),
      found.join('\n'),
    );
    assert.ok(found.includes(at(rb, 'adding-required-field', 7, 'n', 'COLUMN ')), found.join('\n'));
    // the down's DROP INDEX is linted as a down: the index it drops is the up's
    assert.ok(
      found.some((f) => f.startsWith('require-concurrent-index-deletion 10:')),
      found.join('\n'),
    );
  });

  it('Django: RunSQL sql and reverse_sql (triple-quoted, lists, params tuples) with the right direction', async () => {
    const py = [
      'from django.db import migrations',
      '',
      'class Migration(migrations.Migration):',
      '    operations = [',
      '        migrations.RunSQL(',
      '            sql="""',
      '            -- ünïcödé 日本',
      '            CREATE INDEX ix_a ON app_a (b);',
      '            """,',
      '            reverse_sql="DROP INDEX ix_a;",',
      '        ),',
      '        migrations.RunSQL([("INSERT INTO app_a (b) VALUES (%s);", ["x y"])]),',
      '        migrations.RunSQL("ALTER TABLE app_a " "ALTER COLUMN b TYPE bigint", migrations.RunSQL.noop),',
      "        # migrations.RunSQL('DROP TABLE commented_out')",
      '    ]',
      '',
    ].join('\n');
    const { sql } = extractSql(py, 'python');
    assert.deepEqual(
      sql.map((s) => [s.value.trim(), s.direction]),
      [
        ['-- ünïcödé 日本\n            CREATE INDEX ix_a ON app_a (b);', 'up'],
        ['DROP INDEX ix_a;', 'down'],
        ['INSERT INTO app_a (b) VALUES (%s);', 'up'],
        ['ALTER TABLE app_a ALTER COLUMN b TYPE bigint', 'up'],
      ],
    );
    assertMapped(py, 'python');
    const found = await findingsAt(py, 'python');
    assert.ok(!found.some((f) => f.startsWith('syntax-error')), found.join('\n'));
    // line 8 follows a line of non-ASCII text inside the same triple-quoted literal
    assert.ok(found.includes(at(py, 'require-concurrent-index-creation', 8, 'app_a')), found.join('\n'));
    // the column type is in the second literal of the implicit concatenation
    assert.ok(found.includes(at(py, 'changing-column-type', 13, 'bigint')), found.join('\n'));
  });

  it('Alembic: op.execute in upgrade() and downgrade(), sa.text(...) unwrapped', async () => {
    const py = [
      'revision = "abc"',
      'def upgrade():',
      '    op.execute(sa.text("CREATE INDEX ix ON t (c)"))',
      'def downgrade():',
      "    op.execute('DROP TABLE t')",
      '',
    ].join('\n');
    const { sql } = extractSql(py, 'python');
    assert.deepEqual(
      sql.map((s) => [s.value, s.direction]),
      [
        ['CREATE INDEX ix ON t (c)', 'up'],
        ['DROP TABLE t', 'down'],
      ],
    );
  });

  it('Knex, Sequelize, TypeORM: literals linted, bindings neutralised, interpolated templates skipped with a note', async () => {
    const js = [
      'exports.up = async function (knex) {',
      "  await knex.raw('CREATE INDEX ix_n ON t (n) WHERE n > ?', [1]);",
      '  await knex.schema.raw(`ALTER TABLE t ADD COLUMN ä int NOT NULL`);',
      '  await knex.raw(`DROP TABLE ${name}`);',
      '};',
      'exports.down = async (knex) => {',
      "  await queryInterface.sequelize.query('DROP INDEX ix_n');",
      '};',
    ].join('\n');
    assertMapped(js, 'javascript');
    const res = lintCode(await loadParser(), js, 'javascript');
    assert.equal(res.linted, 3);
    assert.equal(res.skipped.length, 1);
    assert.equal(
      res.source.slice(res.skipped[0].range.start, res.skipped[0].range.end),
      '`DROP TABLE ${name}`',
    );
    const texts = res.findings.map((f) => [f.rule, res.source.slice(f.range.start, f.range.end)]);
    assert.ok(!texts.some(([r]) => r === 'syntax-error'), JSON.stringify(texts));
    const found = await findingsAt(js, 'javascript');
    assert.ok(found.includes(at(js, 'require-concurrent-index-creation', 2, 't', 'ON ')), found.join('\n'));
    assert.ok(found.includes(at(js, 'adding-required-field', 3, 'ä')), found.join('\n'));
    const ts = [
      'export class AddIx1700000000000 implements MigrationInterface {',
      '  public async up(queryRunner: QueryRunner): Promise<void> {',
      '    await queryRunner.query(`CREATE INDEX "IDX_x" ON "user" ("x")`);',
      '  }',
      '  public async down(queryRunner: QueryRunner): Promise<void> {',
      '    await queryRunner.query(`DROP INDEX "public"."IDX_x"`);',
      '  }',
      '}',
    ].join('\n');
    assert.deepEqual(
      extractSql(ts, 'javascript').sql.map((s) => s.direction),
      ['up', 'down'],
    );
  });

  it('EF: migrationBuilder.Sql(@"...") with doubled quotes and C# escapes', async () => {
    const cs = [
      'protected override void Up(MigrationBuilder migrationBuilder)',
      '{',
      '    migrationBuilder.Sql(@"CREATE INDEX ""IX_Ü"" ON ""Users"" (""Name"");");',
      '    migrationBuilder.Sql("ALTER TABLE \\"Users\\" ALTER COLUMN \\"Age\\" TYPE bigint");',
      '}',
      'protected override void Down(MigrationBuilder migrationBuilder)',
      '{',
      '    migrationBuilder.Sql("DROP INDEX \\"IX_Ü\\"");',
      '}',
    ].join('\n');
    const { sql } = extractSql(cs, 'csharp');
    assert.deepEqual(
      sql.map((s) => [s.value, s.direction]),
      [
        ['CREATE INDEX "IX_Ü" ON "Users" ("Name");', 'up'],
        ['ALTER TABLE "Users" ALTER COLUMN "Age" TYPE bigint', 'up'],
        ['DROP INDEX "IX_Ü"', 'down'],
      ],
    );
    assertMapped(cs, 'csharp');
    const found = await findingsAt(cs, 'csharp');
    // a quoted identifier's finding covers the doubled quotes of the verbatim string
    assert.ok(found.includes(at(cs, 'require-concurrent-index-creation', 3, '""Users""')), found.join('\n'));
    assert.ok(found.includes(at(cs, 'changing-column-type', 4, 'bigint')), found.join('\n'));
    assert.ok(found.includes(at(cs, 'require-concurrent-index-deletion', 8, '\\"IX_Ü\\"')), found.join('\n'));
  });

  it('placeholders become same-length SQL outside quotes', () => {
    assert.equal(
      neutralisePlaceholders("a = ? and b = '?' and ?? = 1", 'javascript'),
      "a = 1 and b = '?' and xx = 1",
    );
    assert.equal(neutralisePlaceholders("a = %s and b = '%s'", 'python'), "a = $1 and b = '%s'");
  });
});
