/**
 * What Liquibase records for a formatted SQL changeset in databasechangelog, computed as Liquibase
 * computes it (liquibase-standard): MD5SUM (checksum version 9: CheckSum.compute, AbstractSQLChange
 * .generateCheckSum with NormalizingStream, ChangeSet.generateCheckSum), FILENAME (DatabaseChangeLog
 * .normalizePath), CONTEXTS / LABELS / COMMENTS (MarkChangeSetRanGenerator, ChangeSet.buildFullContext
 * and buildFullLabels), and the identity Liquibase matches a row to a changeset by (RanChangeSet.isSameAs).
 */
import { createHash } from 'node:crypto';
import type { FormattedChangeSet } from '../sql/liquibase';
import type { LiquibaseChangeSet } from './model';

const md5 = (data: string | Uint8Array): string => createHash('md5').update(data).digest('hex');

/**
 * The checksum of one sql change (version 9): md5 of its UTF-8 bytes with every space, tab, CR and
 * LF left out (AbstractSQLChange.NormalizingStream), as '9:<hex>'. Comments count; line endings and
 * indentation do not.
 */
export function sqlChangeChecksum(sql: string | null): string {
  const bytes = Buffer.from(sql ?? '', 'utf8');
  const kept = bytes.filter((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  return `9:${md5(kept)}`;
}

/**
 * A changeset's checksum (version 9): md5 of each change's checksum followed by ':' (one change, the
 * sql change, for a formatted SQL changeset), as '9:<hex>'. That is what MD5SUM holds.
 */
export function changeSetChecksum(changeChecksums: readonly string[]): string {
  return `9:${md5(changeChecksums.map((c) => `${c}:`).join(''))}`;
}

/** MD5SUM of a formatted SQL changeset whose SQL (as Liquibase builds it) is `sql`. */
export function formattedChangeSetChecksum(sql: string | null): string {
  return changeSetChecksum([sqlChangeChecksum(sql)]);
}

/** DatabaseChangeLog.normalizePath: no classpath: prefix, forward slashes, no leading slash, no ./ or a/../ */
export function normalizeChangeLogPath(path: string): string {
  let p = path.startsWith('classpath:') ? path.slice('classpath:'.length) : path;
  p = p.replace(/\\/g, '/');
  if (p.indexOf(':') === 1) p = p.slice(2);
  p = p.replace(/^\/+/, '');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** The key Liquibase tells changesets apart by: path, id and author, compared case-insensitively. */
export function changeSetIdentity(filename: string, id: string, author: string): string {
  return `${normalizeChangeLogPath(filename)}::${id}::${author}`.toLowerCase();
}

/** Java's StringUtil.limitSize. */
function limitSize(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** CONTEXTS as ChangeSet.buildFullContext writes it for a changeset of a root changelog. */
export function contextsColumn(context: string | undefined): string | null {
  const c = (context ?? '').trim();
  if (c === '') return null;
  return c.includes(',') || c.includes(' ') ? `(${c})` : c;
}

/** LABELS: the labels lower-cased, trimmed, without repeats, joined by ',' (Labels.toString). */
export function labelsColumn(labels: string | undefined): string | null {
  const list = [
    ...new Set(
      (labels ?? '')
        .split(',')
        .map((l) => l.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  return list.length ? list.join(',') : null;
}

/** The changeset as pgshift keeps it on a Migration. `filename` is FILENAME before any logicalFilePath. */
export function liquibaseChangeSet(
  cs: FormattedChangeSet,
  filename: string,
  fileLogicalPath?: string,
): LiquibaseChangeSet {
  const a = cs.attributes;
  return {
    id: cs.id,
    author: cs.author,
    filename: normalizeChangeLogPath(a.logicalFilePath ?? fileLogicalPath ?? filename),
    checksum: formattedChangeSetChecksum(cs.sql),
    comments: limitSize((cs.comments ?? '').trim(), 250),
    contexts: contextsColumn(a.context),
    labels: labelsColumn(a.labels),
    validCheckSums: cs.validCheckSums,
    runOnChange: a.runOnChange,
    runAlways: a.runAlways,
  };
}

/**
 * Whether a recorded MD5SUM is still valid for the changeset: the same checksum, or one of its
 * `--validCheckSum` values (or ANY). A version-8 (or older) checksum cannot be compared: pgshift
 * computes version 9 only, so it is taken as valid, as `liquibase update` upgrades it when it matches.
 */
export function checksumStillValid(cs: LiquibaseChangeSet, recorded: string | null): boolean {
  if (recorded === null || recorded === '') return true;
  if (recorded === cs.checksum) return true;
  const valid = cs.validCheckSums.map((v) => v.trim().toLowerCase());
  if (valid.includes('any')) return true;
  // a valid checksum written without "<version>:" is a version-1 one (CheckSum.parse)
  const withVersion = valid.map((v) => (/^\d+:/.test(v) ? v : `1:${v}`));
  if (withVersion.includes(recorded.toLowerCase())) return true;
  return !/^9:/.test(recorded);
}
