/**
 * Liquibase formatted SQL, read line by line as Liquibase's AbstractFormattedChangeLogParser reads it
 * (liquibase-standard, parser/AbstractFormattedChangeLogParser.java and FormattedSqlChangeLogParser.java):
 * `--liquibase formatted sql` as the first non-blank line, `--changeset author:id attr:value ...`
 * headers, `--rollback`, `/* liquibase rollback *\/` blocks, `--comment`, `--validCheckSum`,
 * `--ignoreLines`, `--preconditions`. The regular expressions are Liquibase's, applied to whole lines
 * as Java's Matcher.matches() does. The splitter, the linter's sections and discovery all read this,
 * so the three agree on what a changeset is and how it splits.
 */

/** A changeset's header attributes, with Liquibase's defaults. */
export interface ChangeSetAttributes {
  runOnChange: boolean;
  runAlways: boolean;
  runInTransaction: boolean;
  /** undefined: not given (Liquibase's default, true) */
  failOnError?: boolean;
  /** context: / contextFilter:, quotes stripped */
  context?: string;
  labels?: string;
  logicalFilePath?: string;
  dbms?: string;
  ignore: boolean;
  splitStatements: boolean;
  stripComments: boolean;
  endDelimiter?: string;
  rollbackSplitStatements: boolean;
  rollbackEndDelimiter?: string;
}

export type Rollback =
  | { kind: 'none' }
  /** `--rollback not required` / `--rollback empty`: an empty change, so rollback succeeds doing nothing */
  | { kind: 'empty' }
  /** the rollback SQL as Liquibase collects it, and the byte offset of its first line */
  | { kind: 'sql'; sql: string; start: number; line: number }
  /** `--rollback changesetId:x changesetAuthor:y [changesetPath:z]`: that changeset's SQL */
  | { kind: 'changeset'; id?: string; author?: string; path?: string };

export interface FormattedChangeSet {
  author: string;
  id: string;
  /** 1-based line of the header */
  line: number;
  /** byte offsets: the header line's start, the end of the header line (after its newline), and the next header or the end */
  start: number;
  /** the end of the header line's text (before its line break): where an attribute can be added */
  headerEnd: number;
  bodyStart: number;
  end: number;
  attributes: ChangeSetAttributes;
  /** the change's SQL exactly as Liquibase builds it (lines joined with \n, trimmed); null when it has none */
  sql: string | null;
  rollback: Rollback;
  comments?: string;
  validCheckSums: string[];
  /** `--preconditions` or `--precondition-*` lines */
  preconditions: boolean;
  /** byte ranges of lines Liquibase skips (`--ignoreLines`) */
  ignored: { start: number; end: number }[];
}

export interface FormattedSqlFile {
  /** logicalFilePath: on the header line */
  logicalFilePath?: string;
  changeSets: FormattedChangeSet[];
  /** what Liquibase refuses the file for, or what pgshift cannot do as Liquibase would */
  errors: { line: number; message: string }[];
  /** `--property` lines (pgshift does not substitute ${...}) */
  properties: number;
  /** byte ranges outside every changeset holding SQL-looking lines (Liquibase drops them) */
  outside: { start: number; end: number; line: number }[];
}

const FIRST_LINE = /^\s*--\s*liquibase\s*formatted.*$/i;
const CHANGE_SET = /^\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*$/i;
const ALT_CHANGE_SET = /^(?:-[\s]*changeset\s.*|\s*--[\s]*changeset[\s]*.*)$/i;
const ROLLBACK = /^\s*--[\s]*rollback (.*)$/i;
const ROLLBACK_MULTI_START = /^\s*\/\*\s*liquibase\s*rollback\s*$/i;
const ROLLBACK_MULTI_END = /^.*\s*\*\/\s*$/i;
const COMMENT = /^--[\s]*comment:? (.*)$/i;
const VALID_CHECK_SUM = /^--[\s]*validCheckSum:? (.*)$/i;
const IGNORE_LINES = /^--[\s]*ignoreLines:(\w+)$/i;
const PRECONDITIONS = /^\s*--[\s]*preconditions(.*)$/i;
const PRECONDITION = /^\s*--[\s]*precondition-([a-zA-Z0-9-]+)(?: (.*))?$/i;
const PROPERTY = /^\s*--[\s]*property\s+(.*:.*)\s+(.*:.*).*$/i;

const ATTR = {
  runOnChange: /^.*runOnChange:(\w+).*$/i,
  runAlways: /^.*runAlways:(\w+).*$/i,
  runInTransaction: /^.*runInTransaction:(\w+).*$/i,
  failOnError: /^.*failOnError:(\w+).*$/i,
  context: /^.*context:(".*?"|\S*).*$/i,
  contextFilter: /^.*contextFilter:(".*?"|\S*).*$/i,
  labels: /^.*labels:(".*?"|\S*).*$/i,
  logicalFilePath: /^.*logicalFilePath:(\S*).*$/i,
  dbms: /^.*dbms:([^,][\w!,]+).*$/i,
  ignore: /^.*ignore:(\w*).*$/i,
  splitStatements: /^.*splitStatements:(\w+).*$/i,
  stripComments: /^.*stripComments:(\w+).*$/i,
  endDelimiter: /^.*\bendDelimiter:(\S*).*$/i,
  rollbackSplitStatements: /^.*rollbackSplitStatements:(\w+).*$/i,
  rollbackEndDelimiter: /^.*\brollbackEndDelimiter:(\S*).*$/i,
};

/** Java's Boolean.parseBoolean: "true" in any case, anything else false. */
function bool(line: string, re: RegExp, dflt: boolean): boolean {
  const m = re.exec(line);
  return m ? m[1].toLowerCase() === 'true' : dflt;
}

function str(line: string, re: RegExp): string | undefined {
  return re.exec(line)?.[1];
}

function stripQuotes(s: string): string {
  return s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))
    ? s.slice(1, -1)
    : s;
}

/** Java's String.trim(): every char up to U+0020. */
function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return s.slice(a, b);
}

/** The header's attributes, as Liquibase reads them from the whole header line. */
export function changeSetAttributes(line: string): ChangeSetAttributes {
  let context = str(line, ATTR.contextFilter);
  if (!context) context = str(line, ATTR.context);
  const labels = str(line, ATTR.labels);
  const failOnError = ATTR.failOnError.exec(line);
  return {
    runOnChange: bool(line, ATTR.runOnChange, false),
    runAlways: bool(line, ATTR.runAlways, false),
    runInTransaction: bool(line, ATTR.runInTransaction, true),
    ...(failOnError ? { failOnError: failOnError[1].toLowerCase() === 'true' } : {}),
    ...(context !== undefined ? { context: stripQuotes(context) } : {}),
    ...(labels !== undefined ? { labels: stripQuotes(labels) } : {}),
    ...(str(line, ATTR.logicalFilePath) ? { logicalFilePath: str(line, ATTR.logicalFilePath) } : {}),
    ...(str(line, ATTR.dbms) !== undefined ? { dbms: str(line, ATTR.dbms) } : {}),
    ignore: (str(line, ATTR.ignore) ?? '').toLowerCase() === 'true',
    splitStatements: bool(line, ATTR.splitStatements, true),
    stripComments: bool(line, ATTR.stripComments, true),
    ...(str(line, ATTR.endDelimiter) !== undefined ? { endDelimiter: str(line, ATTR.endDelimiter) } : {}),
    rollbackSplitStatements: bool(line, ATTR.rollbackSplitStatements, true),
    ...(str(line, ATTR.rollbackEndDelimiter) !== undefined
      ? { rollbackEndDelimiter: str(line, ATTR.rollbackEndDelimiter) }
      : {}),
  };
}

/** `author:id` of a header line, or undefined when the line is no changeset header. */
export function changeSetHeader(line: string): { author: string; id: string } | undefined {
  const m = CHANGE_SET.exec(line);
  if (!m) return undefined;
  return { author: stripQuotes(m[1]), id: stripQuotes(m[2]) };
}

interface Line {
  text: string;
  start: number;
  /** after the line's terminator */
  next: number;
}

/** Lines as Java's BufferedReader.readLine() cuts them (\n, \r\n or \r), with their byte offsets. */
function lines(bytes: Buffer): Line[] {
  const out: Line[] = [];
  let i = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const n = bytes.length;
  while (i < n) {
    let j = i;
    while (j < n && bytes[j] !== 0x0a && bytes[j] !== 0x0d) j++;
    let next = j;
    if (j < n) next = bytes[j] === 0x0d && bytes[j + 1] === 0x0a ? j + 2 : j + 1;
    out.push({ text: bytes.toString('utf8', i, j), start: i, next });
    i = next;
  }
  return out;
}

/** Whether Liquibase reads the file as formatted SQL: its first non-blank line is the header. */
export function isFormattedSql(bytes: Buffer): boolean {
  let i = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  // the header is short: look at the first non-blank line only
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)
  )
    i++;
  let j = i;
  while (j < bytes.length && j - i < 4096 && bytes[j] !== 0x0a && bytes[j] !== 0x0d) j++;
  return FIRST_LINE.test(bytes.toString('utf8', i, j));
}

export function parseFormattedSql(bytes: Buffer): FormattedSqlFile {
  const all = lines(bytes);
  const out: FormattedSqlFile = { changeSets: [], errors: [], properties: 0, outside: [] };
  let current: FormattedChangeSet | undefined;
  let sequence: string[] = [];
  let rollback: string[] = [];
  let rollbackStart: { start: number; line: number } | undefined;
  let headerSeen = false;
  const close = (end: number): void => {
    if (!current) return;
    current.end = end;
    const sql = javaTrim(sequence.join(''));
    current.sql = sql === '' ? null : sql;
    const rb = javaTrim(rollback.join(''));
    if (rb !== '') {
      const lower = rb.toLowerCase();
      if (/^not required/.test(lower) || /^empty/.test(lower)) current.rollback = { kind: 'empty' };
      else if (lower.includes('changesetid')) {
        const flat = rollback.join('').replace(/[\r\n]/g, '');
        current.rollback = {
          kind: 'changeset',
          id: /^.*changeSetId:(\S+).*$/i.exec(flat)?.[1],
          author: /^.*changesetAuthor:(\S+).*$/i.exec(flat)?.[1],
          path: /^.*changesetPath:(\S+).*$/i.exec(flat)?.[1],
        };
      } else current.rollback = { kind: 'sql', sql: rollback.join(''), ...rollbackStart! };
    }
    if (current.sql === null)
      out.errors.push({
        line: current.line,
        message: `No SQL for changeset ${current.author}:${current.id}`,
      });
    out.changeSets.push(current);
    current = undefined;
  };
  let outside: { start: number; end: number; line: number } | undefined;
  for (let k = 0; k < all.length; k++) {
    const { text: line, start, next } = all[k];
    const lineNo = k + 1;
    if (FIRST_LINE.test(line) && !headerSeen) {
      headerSeen = true;
      const lfp = str(line, ATTR.logicalFilePath);
      if (lfp) out.logicalFilePath = lfp;
    }
    if (PROPERTY.test(line)) {
      out.properties++;
      continue;
    }
    const ignore = IGNORE_LINES.exec(line);
    if (ignore) {
      let to = k;
      if (ignore[1] === 'start') {
        while (to + 1 < all.length && !/^--[\s]*ignoreLines:end$/i.test(all[to + 1].text)) to++;
        to = Math.min(to + 1, all.length - 1);
      } else if (/^\d+$/.test(ignore[1])) to = Math.min(k + Number(ignore[1]), all.length - 1);
      else out.errors.push({ line: lineNo, message: `Unknown ignoreLines syntax: "${ignore[1]}"` });
      current?.ignored.push({ start, end: all[to].next });
      k = to;
      continue;
    }
    const header = changeSetHeader(line);
    if (header) {
      close(start);
      if (outside) out.outside.push(outside);
      outside = undefined;
      // Liquibase insists on no space between the colon and the id
      if (!authorIdAdjacent(line))
        out.errors.push({
          line: lineNo,
          message: 'Unexpected formatting: write --changeset <authorname>:<changesetId>',
        });
      if (header.id.replace(/[: ]/g, '') === '')
        out.errors.push({ line: lineNo, message: 'The change set ID cannot be empty' });
      current = {
        ...header,
        line: lineNo,
        start,
        headerEnd: start + Buffer.byteLength(line, 'utf8'),
        bodyStart: next,
        end: bytes.length,
        attributes: changeSetAttributes(line),
        sql: null,
        rollback: { kind: 'none' },
        validCheckSums: [],
        preconditions: false,
        ignored: [],
      };
      sequence = [];
      rollback = [];
      rollbackStart = undefined;
      continue;
    }
    if (ALT_CHANGE_SET.test(line)) {
      out.errors.push({
        line: lineNo,
        message: 'Unexpected formatting: write --changeset <authorname>:<changesetId>',
      });
      continue;
    }
    if (!current) {
      if (COMMENT.test(line))
        out.errors.push({
          line: lineNo,
          message: 'Formatted SQL changelogs do not allow comment lines outside of changesets',
        });
      else if (!FIRST_LINE.test(line) && javaTrim(line) !== '' && !/^\s*--/.test(line)) {
        outside ??= { start, end: next, line: lineNo };
        outside.end = next;
      }
      continue;
    }
    const comment = COMMENT.exec(line);
    const rb = ROLLBACK.exec(line);
    if (comment) current.comments = comment[1];
    else if (VALID_CHECK_SUM.test(line)) current.validCheckSums.push(VALID_CHECK_SUM.exec(line)![1].trim());
    else if (rb) {
      rollbackStart ??= { start, line: lineNo };
      rollback.push(`${rb[1]}\n`);
    } else if (ROLLBACK_MULTI_START.test(line)) {
      rollbackStart ??= { start: next, line: lineNo + 1 };
      let to = k + 1;
      let closed = false;
      for (; to < all.length; to++) {
        const t = all[to].text;
        if (ROLLBACK_MULTI_END.test(t)) {
          const before = t.split(/\*\/\s*$/)[0];
          // Liquibase appends the block's lines without line breaks between them
          if (before !== undefined && javaTrim(before) !== '') rollback.push(before);
          closed = true;
          break;
        }
        rollback.push(t);
      }
      if (!closed) out.errors.push({ line: lineNo, message: 'Liquibase rollback comment is not closed' });
      k = to;
    } else if (PRECONDITIONS.test(line) || PRECONDITION.test(line)) current.preconditions = true;
    else sequence.push(`${line}\n`);
  }
  close(bytes.length);
  if (outside) out.outside.push(outside);
  return out;
}

/** Liquibase's second look at a header: `author:id` right after `--changeset `, no space after the colon. */
function authorIdAdjacent(line: string): boolean {
  const m = CHANGE_SET.exec(line)!;
  const quoted = `${m[1]}:${m[2]}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*--[\\s]*changeset\\s+${quoted}.*$`, 'i').test(line);
}

/**
 * Liquibase's dbms filter (DatabaseList.definitionMatches) for PostgreSQL: empty or `all` matches,
 * `none` does not, `!postgresql` excludes, a list without postgresql excludes.
 */
export function dbmsIncludesPostgres(dbms: string | undefined): boolean {
  const list = (dbms ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (!list.length) return true;
  if (list.includes('none')) return false;
  if (list.includes('all')) return true;
  if (list.includes('!postgresql')) return false;
  const positive = list.filter((d) => !d.startsWith('!'));
  return positive.length === 0 || positive.includes('postgresql');
}

/** Whether Liquibase runs this changeset on PostgreSQL at all (not `ignore:true`, dbms matches). */
export function runsOnPostgres(cs: FormattedChangeSet): boolean {
  return !cs.attributes.ignore && dbmsIncludesPostgres(cs.attributes.dbms);
}
