/**
 * Discovery of Liquibase formatted SQL changelogs (layout liquibase): the changesets of every changelog
 * under the folder as migrations, with what Liquibase records for them (liquibase.ts) and the problems
 * of what pgshift cannot do as Liquibase would.
 */
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { runsOutsideTransaction } from '../sql/directives';
import {
  dbmsIncludesPostgres,
  isFormattedSql,
  parseFormattedSql,
  type FormattedChangeSet,
} from '../sql/liquibase';
import { customDelimiter, splitAtDelimiter } from '../sql/liquibase-split';
import { splitStatements, type SplitResult } from '../sql/splitter';
import type { Discovery } from './discover';
import { isDir, listDir } from './layouts';
import { changeSetIdentity, liquibaseChangeSet } from './liquibase';
import type { Migration, MigrationScript } from './model';

/**
 * Liquibase formatted SQL: every `.sql` file under the folder that starts `--liquibase formatted sql`,
 * in path order (as includeAll reads a folder), each changeset one migration in the order written.
 * The version is `<file>.<changeset>` (its place), the name `author:id`; `changeSet` carries the
 * identity and checksum Liquibase records. Changesets Liquibase skips on PostgreSQL (ignore:true, a
 * dbms without postgresql) are skipped; what pgshift cannot do as Liquibase would is an error.
 */
export function collectLiquibase(d: Discovery, filenamePrefix: string): Migration[] {
  const migrations: Migration[] = [];
  const seen = new Map<string, string>();
  const { sql: files, other } = changelogFiles(d.dir);
  if (other.length)
    d.problem(
      'info',
      other[0],
      `not read: ${other.map((f) => d.rel(f)).join(', ')}; pgshift reads the formatted SQL changelogs under ${d.dir} in path order, as includeAll does, not an XML/YAML/JSON changelog's includes`,
    );
  let fileNo = 0;
  for (const file of files) {
    const content = d.read(file);
    if (!content) continue;
    const { bytes } = content;
    const rel = d.rel(file);
    if (!isFormattedSql(bytes)) {
      d.problem(
        'info',
        file,
        `ignored: ${rel} does not start with --liquibase formatted sql, so Liquibase does not read it as a changelog`,
      );
      continue;
    }
    fileNo++;
    const parsed = parseFormattedSql(bytes);
    const split = splitStatements(bytes);
    for (const e of parsed.errors)
      d.problem('error', file, `${rel}:${e.line}: ${e.message} (Liquibase refuses this changelog)`);
    if (parsed.properties)
      d.problem(
        'error',
        file,
        `${rel} defines --property values: pgshift does not substitute Liquibase properties (\${...}), so it neither runs nor checksums this changelog as Liquibase would; run \`liquibase update\``,
      );
    for (const o of parsed.outside)
      d.problem(
        'warning',
        file,
        `${rel}:${o.line}: SQL before the first --changeset: Liquibase never runs it`,
      );
    let n = 0;
    for (const cs of parsed.changeSets) {
      n++;
      const label = `${cs.author}:${cs.id}`;
      const where = `changeset ${label} (${rel}:${cs.line})`;
      if (cs.attributes.ignore) {
        d.problem('info', file, `${where} has ignore:true: Liquibase skips it, and so does pgshift`);
        continue;
      }
      if (!dbmsIncludesPostgres(cs.attributes.dbms)) {
        d.problem(
          'info',
          file,
          `${where} is for dbms:${cs.attributes.dbms}: Liquibase skips it on PostgreSQL, and so does pgshift`,
        );
        continue;
      }
      const info = liquibaseChangeSet(cs, filenamePrefix + rel, parsed.logicalFilePath);
      const identity = changeSetIdentity(info.filename, info.id, info.author);
      const first = seen.get(identity);
      if (first) {
        d.problem(
          'error',
          file,
          `duplicate ${where}: ${first} has the same FILENAME::id::author, which Liquibase refuses`,
        );
        continue;
      }
      seen.set(identity, `${rel}:${cs.line}`);
      liquibaseWarnings(d, file, where, cs);
      const noTx =
        !cs.attributes.runInTransaction || runsOutsideTransaction(split.comments, cs.start, cs.end);
      const up = d.script(file, bytes, cs.bodyStart, cs.end, noTx, split, ` ${where}`);
      const down = rollbackScript(d, file, bytes, split, cs, parsed.changeSets, noTx, where);
      if (!down && cs.rollback.kind === 'none')
        d.problem(
          'warning',
          file,
          `no rollback: ${where} cannot be rolled back (no --rollback lines; write --rollback not required when there is nothing to undo)`,
        );
      migrations.push({
        version: `${fileNo}.${n}`,
        name: label,
        up,
        ...(down ? { down } : {}),
        changeSet: info,
      });
    }
  }
  return migrations;
}

/** What a changeset asks of Liquibase that pgshift does not do the same way. */
function liquibaseWarnings(d: Discovery, file: string, where: string, cs: FormattedChangeSet): void {
  const a = cs.attributes;
  if (cs.preconditions)
    d.problem(
      'error',
      file,
      `${where} has preconditions: pgshift cannot evaluate Liquibase preconditions, so it does not run this changelog; run \`liquibase update\``,
    );
  if (a.runAlways || a.runOnChange)
    d.problem(
      'warning',
      file,
      `${where} is ${a.runAlways ? 'runAlways' : 'runOnChange'}: pgshift applies it once like any changeset; re-running it ${a.runAlways ? 'on every update' : 'when it changes (status shows it modified)'} is \`liquibase update\`'s`,
    );
  if (cs.sql?.includes('${') || (cs.rollback.kind === 'sql' && cs.rollback.sql.includes('${')))
    d.problem(
      'warning',
      file,
      `${where} holds \${…}: Liquibase substitutes its properties there (changelog, system and environment ones), pgshift sends it as written, so its SQL and MD5SUM differ when Liquibase has such a property`,
    );
  if (a.failOnError === false)
    d.problem(
      'warning',
      file,
      `${where} has failOnError:false: Liquibase goes on past its error, pgshift stops there (and records nothing for it, as Liquibase does)`,
    );
}

/** The down script of a changeset: its --rollback SQL, nothing (not required / empty), or another changeset's SQL. */
function rollbackScript(
  d: Discovery,
  file: string,
  bytes: Buffer,
  split: SplitResult,
  cs: FormattedChangeSet,
  all: readonly FormattedChangeSet[],
  noTransaction: boolean,
  where: string,
): MigrationScript | undefined {
  const rb = cs.rollback;
  if (rb.kind === 'none') return undefined;
  if (rb.kind === 'empty')
    return {
      file,
      sql: '',
      offset: cs.start,
      checksum: createHash('sha256').update('').digest('hex'),
      noTransaction,
      split: { line: cs.line, ranges: [] },
    };
  if (rb.kind === 'changeset') {
    const target = all.find(
      (x) =>
        x.id.toLowerCase() === rb.id?.toLowerCase() &&
        x.author.toLowerCase() === rb.author?.toLowerCase() &&
        (rb.path === undefined || rb.path === d.rel(file)),
    );
    if (!target) {
      d.problem(
        'error',
        file,
        `${where}: its rollback names changeset ${rb.author}:${rb.id}${rb.path ? ` in ${rb.path}` : ''}, which is not in this changelog (pgshift looks in the same file only)`,
      );
      return undefined;
    }
    return d.script(file, bytes, target.bodyStart, target.end, noTransaction, split, ` rollback of ${where}`);
  }
  const sqlBytes = Buffer.from(rb.sql, 'utf8');
  const delimiter = customDelimiter(cs.attributes.rollbackEndDelimiter);
  const ranges = !cs.attributes.rollbackSplitStatements
    ? wholeStatement(sqlBytes)
    : delimiter
      ? splitAtDelimiter(sqlBytes, 0, sqlBytes.length, delimiter)
      : undefined;
  return {
    file,
    sql: rb.sql,
    offset: rb.start,
    checksum: createHash('sha256').update(sqlBytes).digest('hex'),
    noTransaction,
    ...(ranges ? { split: { line: rb.line, ranges } } : {}),
  };
}

/** rollbackSplitStatements:false: the whole rollback as one statement (none when it is blank). */
function wholeStatement(bytes: Buffer): { start: number; end: number }[] {
  const text = bytes.toString('latin1');
  const start = text.length - text.trimStart().length;
  const end = text.trimEnd().length;
  return end > start ? [{ start, end }] : [];
}

/** The .sql files under `dir` in path order (as includeAll sorts them), and the other changelog files. */
function changelogFiles(dir: string): { sql: string[]; other: string[] } {
  const sql: string[] = [];
  const other: string[] = [];
  const walk = (at: string, depth: number): void => {
    for (const e of listDir(at) ?? []) {
      const full = join(at, e.name);
      if (isDir(e, full)) {
        if (depth < 8) walk(full, depth + 1);
      } else if (/\.sql$/i.test(e.name)) sql.push(full);
      else if (/\.(xml|ya?ml|json)$/i.test(e.name)) other.push(full);
    }
  };
  walk(dir, 0);
  const key = (f: string): string => relative(dir, f).split(sep).join('/');
  sql.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { sql, other };
}
