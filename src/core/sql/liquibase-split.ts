/**
 * How a Liquibase formatted SQL changelog splits into the statements Liquibase sends: each changeset on
 * its own, splitStatements:false as one statement, an endDelimiter instead of `;`. The splitter calls
 * it for a file whose header says it is a changelog, so the runner, the linter and discovery agree.
 */
import { parseFormattedSql, runsOnPostgres, type FormattedSqlFile } from './liquibase';
import type { RawStatement } from './splitter';

/** A changeset's endDelimiter when it changes the split (`;` and an empty one do not). */
export function customDelimiter(d: string | undefined): string | undefined {
  return d !== undefined && d !== '' && d !== ';' ? d : undefined;
}

/**
 * The statements of a formatted SQL file as Liquibase sends them: each changeset's SQL split on its
 * own (a statement never runs on into the next changeset), only the changesets' (lines before the
 * first changeset, ignored lines and changesets for other databases are never run), a changeset with
 * splitStatements:false as one statement, one with an endDelimiter cut there instead of at `;`.
 * `split` is the plain split of a piece of SQL (the splitter's).
 */
export function formattedStatements(
  bytes: Buffer,
  split: (piece: Buffer) => readonly RawStatement[],
  parsed: FormattedSqlFile = parseFormattedSql(bytes),
): RawStatement[] {
  const out: RawStatement[] = [];
  for (const cs of parsed.changeSets) {
    if (!runsOnPostgres(cs)) continue;
    const kept = (s: { start: number }): boolean =>
      !cs.ignored.some((r) => s.start >= r.start && s.start < r.end);
    const delimiter = customDelimiter(cs.attributes.endDelimiter);
    const mine = (
      delimiter
        ? splitAtDelimiter(bytes, cs.bodyStart, cs.end, delimiter).map((r) => ({ ...r, terminated: true }))
        : split(bytes.subarray(cs.bodyStart, cs.end)).map((st) => ({
            ...st,
            start: st.start + cs.bodyStart,
            end: st.end + cs.bodyStart,
          }))
    ).filter(kept);
    if (!mine.length) continue;
    if (!cs.attributes.splitStatements) {
      const last = mine[mine.length - 1];
      out.push({ start: mine[0].start, end: last.end, terminated: last.terminated });
    } else out.push(...mine);
  }
  return out;
}

/**
 * Byte ranges [start, end) of the statements of bytes [from, to) cut at `delimiter` (Liquibase's
 * endDelimiter, compared case-insensitively), never inside a string, a quoted identifier, a
 * dollar-quoted body or a comment. Ranges are trimmed of white space.
 */
export function splitAtDelimiter(
  bytes: Buffer,
  from: number,
  to: number,
  delimiter: string,
): { start: number; end: number }[] {
  const d = Buffer.from(delimiter.toLowerCase(), 'utf8');
  const out: { start: number; end: number }[] = [];
  const push = (a: number, b: number): void => {
    while (a < b && isSpace(bytes[a])) a++;
    while (b > a && isSpace(bytes[b - 1])) b--;
    if (b > a && !onlyComments(bytes, a, b)) out.push({ start: a, end: b });
  };
  let stmtStart = from;
  let i = from;
  while (i < to) {
    const b = bytes[i];
    if (b === 0x2d && bytes[i + 1] === 0x2d) {
      while (i < to && bytes[i] !== 0x0a) i++;
    } else if (b === 0x2f && bytes[i + 1] === 0x2a) {
      const e = bytes.indexOf('*/', i + 2);
      i = e < 0 || e >= to ? to : e + 2;
    } else if (b === 0x27 || b === 0x22) {
      let j = i + 1;
      while (j < to && !(bytes[j] === b && bytes[j + 1] !== b)) j += bytes[j] === b ? 2 : 1;
      i = j + 1;
    } else if (b === 0x24 && /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.test(bytes.toString('latin1', i, i + 64))) {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(bytes.toString('latin1', i, i + 64))![0];
      const e = bytes.indexOf(tag, i + tag.length);
      i = e < 0 || e >= to ? to : e + tag.length;
    } else if (matchesAt(bytes, i, d)) {
      push(stmtStart, i);
      i += d.length;
      stmtStart = i;
    } else i++;
  }
  push(stmtStart, to);
  return out;
}

function matchesAt(bytes: Buffer, i: number, d: Buffer): boolean {
  if (i + d.length > bytes.length) return false;
  for (let k = 0; k < d.length; k++) {
    const c = bytes[i + k];
    const lower = c >= 0x41 && c <= 0x5a ? c + 32 : c;
    if (lower !== d[k]) return false;
  }
  return true;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c;
}

/** Whether bytes [a, b) hold nothing but comments and white space. */
function onlyComments(bytes: Buffer, a: number, b: number): boolean {
  let i = a;
  while (i < b) {
    if (isSpace(bytes[i])) i++;
    else if (bytes[i] === 0x2d && bytes[i + 1] === 0x2d) {
      while (i < b && bytes[i] !== 0x0a) i++;
    } else if (bytes[i] === 0x2f && bytes[i + 1] === 0x2a) {
      const e = bytes.indexOf('*/', i + 2);
      i = e < 0 ? b : e + 2;
    } else return false;
  }
  return true;
}
