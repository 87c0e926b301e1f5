import type * as T from '@pgsql/types';
import { as, stringList, walk } from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { locatedInFile } from './_util';

export const meta: RuleMeta = {
  id: 'identifier-too-long',
  description:
    'A name longer than 63 bytes is silently truncated by PostgreSQL: later references and similar names can break',
  defaultSeverity: 'error',
  category: 'correctness',
  fixable: 'suggestion',
  kinds: [],
};

/** NAMEDATALEN - 1 */
const MAX_BYTES = 63;

// The parse tree already holds truncated names (PostgreSQL's lexer truncates them), so the rule reads the
// names the tree says a statement *defines*, then finds their full spelling among the statement's tokens.
// References to existing objects are not flagged: they are truncated the same way and still match.
export const checkFile: Rule['checkFile'] = (ctx) => {
  // relation-level names (tables, indexes, sequences, views share one namespace per schema) seen in this file
  const relations = new Map<string, { spelling: string; line: number }>();
  for (const stmt of ctx.statements) {
    // only a token over 63 bytes is ever reported: most statements have none, and reading their text is
    // cheaper than walking their tree for the names they define
    if (!mayHoldLongToken(stmt.text)) continue;
    const defined = definedNames(stmt.node);
    if (defined.size === 0) continue;
    // a truncated name is 60-63 bytes long in the tree (a UTF-8 character has up to 4 bytes, so a cut that
    // falls inside one drops up to 3): shorter names were not truncated, so the tokens need not be read at all
    let candidate = false;
    for (const n of defined.keys())
      if (n.length * 3 >= MAX_BYTES - 3 && Buffer.byteLength(n, 'utf8') >= MAX_BYTES - 3) candidate = true;
    if (!candidate) continue;
    const precise = locatedInFile(stmt);
    // the first token that truncates to a defined name is its definition (CREATE INDEX name ON table ...)
    const reported = new Set<string>();
    for (const tok of identifierTokens(stmt.text)) {
      const bytes = Buffer.byteLength(tok.value, 'utf8');
      if (bytes <= MAX_BYTES) continue;
      const pgName = truncate(tok.quoted ? tok.value : tok.value.replace(/[A-Z]/g, (c) => c.toLowerCase()));
      const def = defined.get(pgName);
      if (!def || reported.has(pgName)) continue;
      reported.add(pgName);
      let clash = '';
      const prev = def.relation ? relations.get(pgName) : undefined;
      if (prev && prev.spelling !== tok.value) {
        clash = `; ${shorten(prev.spelling)} on line ${prev.line} truncates to the same name, so one of them fails with "already exists" or refers to the other`;
      } else if (def.relation && !prev) {
        relations.set(pgName, {
          spelling: tok.value,
          line: ctx.source.positionAt(stmt.range.start).line + 1,
        });
      }
      report(ctx, stmt, tok, precise, { what: def.what, bytes, pgName, clash });
    }
  }
};

function report(
  ctx: RuleContext,
  stmt: Stmt,
  tok: Token,
  precise: boolean,
  d: { what: string; bytes: number; pgName: string; clash: string },
): void {
  let range: Range = stmt.range;
  if (precise) {
    const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, tok.index), 'utf8');
    range = {
      start,
      end: start + Buffer.byteLength(stmt.text.slice(tok.index, tok.index + tok.length), 'utf8'),
    };
  }
  const quoted = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const truncatedSpelling = tok.quoted ? quoted(truncate(tok.value)) : truncate(tok.value);
  ctx.report({
    range,
    message: `${d.what} name ${shorten(tok.value)} is ${d.bytes} bytes, over PostgreSQL's 63-byte limit: it is silently truncated to ${quoted(d.pgName)}${d.clash}`,
    help: [
      `**Problem:** PostgreSQL truncates every identifier longer than 63 bytes (NAMEDATALEN - 1) and only says so in a NOTICE. The ${d.what} is created as \`${d.pgName}\`. SQL that repeats the long name still works (it is truncated the same way), but anything that looks the name up as data — \`pg_indexes\`, \`information_schema\`, migration tools, ORMs, error messages matched by name — sees a different name, and two long names that share their first 63 bytes become the same name ("already exists", or the wrong object dropped).`,
      '',
      '**Safe way:** choose a name of at most 63 bytes (multi-byte characters count 2–4 bytes each), for example:',
      '```sql',
      truncatedSpelling,
      '```',
      'Renaming changes what later migrations and code must reference, so pgshift does not rename automatically.',
    ].join('\n'),
    // truncating a name that collides would only make the collision explicit
    suggestions:
      precise && !d.clash
        ? [
            {
              title: `Use the name PostgreSQL will use (${Buffer.byteLength(d.pgName, 'utf8')} bytes)`,
              edits: [{ range, newText: truncatedSpelling }],
            },
          ]
        : undefined,
  });
}

/** The first 63 bytes of a name, not cutting a multi-byte character (what PostgreSQL's pg_mbcliplen does). */
function truncate(name: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of name) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > MAX_BYTES) break;
    out += ch;
    bytes += n;
  }
  return out;
}

// Long names differ at the end as often as at the start: keep both.
function shorten(name: string): string {
  const chars = [...name];
  return chars.length > 28 ? `"${chars.slice(0, 14).join('')}…${chars.slice(-12).join('')}"` : `"${name}"`;
}

interface Definition {
  /** 'table', 'column', 'index', ... for the message */
  what: string;
  /** lives in pg_class: tables, indexes, sequences, views and index-backed constraints share one namespace */
  relation: boolean;
}

/** Names a statement creates or renames to, as they appear in the tree (already truncated). */
function definedNames(node: unknown): Map<string, Definition> {
  const out = new Map<string, Definition>();
  const add = (name: string | undefined, what: string, relation = false): void => {
    if (name && !out.has(name)) out.set(name, { what, relation });
  };
  const last = (names: T.Node[] | undefined): string | undefined => stringList(names).pop();
  walk(node, (kind, b) => {
    const body = b as never;
    switch (kind) {
      case 'CreateStmt':
        add((body as T.CreateStmt).relation?.relname, 'table', true);
        break;
      case 'CreateForeignTableStmt':
        add((body as T.CreateForeignTableStmt).base?.relation?.relname, 'foreign table', true);
        for (const el of (body as T.CreateForeignTableStmt).base?.tableElts ?? [])
          add(as(el, 'ColumnDef')?.colname, 'column');
        break;
      case 'CreateTableAsStmt': {
        const into = (body as T.CreateTableAsStmt).into;
        add(
          into?.rel?.relname,
          (body as T.CreateTableAsStmt).objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table',
          true,
        );
        for (const c of stringList(into?.colNames)) add(c, 'column');
        return false; // the query only references names
      }
      case 'ViewStmt':
        add((body as T.ViewStmt).view?.relname, 'view', true);
        for (const c of stringList((body as T.ViewStmt).aliases)) add(c, 'column');
        return false;
      case 'CreateSeqStmt':
        add((body as T.CreateSeqStmt).sequence?.relname, 'sequence', true);
        break;
      case 'IndexStmt':
        add((body as T.IndexStmt).idxname, 'index', true);
        return false;
      case 'CompositeTypeStmt':
        add((body as T.CompositeTypeStmt).typevar?.relname, 'type', true);
        break;
      case 'ColumnDef':
        add((body as T.ColumnDef).colname, 'column');
        break;
      case 'Constraint': {
        const c = body as T.Constraint;
        add(
          c.conname,
          'constraint',
          c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_EXCLUSION',
        );
        break;
      }
      case 'CreateSchemaStmt':
        add((body as T.CreateSchemaStmt).schemaname, 'schema');
        break;
      case 'CreateTrigStmt':
        add((body as T.CreateTrigStmt).trigname, 'trigger');
        return false;
      case 'CreateEventTrigStmt':
        add((body as T.CreateEventTrigStmt).trigname, 'event trigger');
        return false;
      case 'CreateFunctionStmt': {
        const f = body as T.CreateFunctionStmt;
        add(last(f.funcname), f.is_procedure ? 'procedure' : 'function');
        for (const p of f.parameters ?? []) add(as(p, 'FunctionParameter')?.name, 'parameter');
        return false; // the body is a string: never linted here
      }
      case 'CreateEnumStmt':
        add(last((body as T.CreateEnumStmt).typeName), 'type');
        return false;
      case 'CreateRangeStmt':
        add(last((body as T.CreateRangeStmt).typeName), 'type');
        return false;
      case 'CreateDomainStmt':
        add(last((body as T.CreateDomainStmt).domainname), 'domain');
        break;
      case 'DefineStmt':
        add(last((body as T.DefineStmt).defnames), 'object');
        return false;
      case 'CreateStatsStmt':
        add(last((body as T.CreateStatsStmt).defnames), 'statistics object');
        return false;
      case 'CreatePolicyStmt':
        add((body as T.CreatePolicyStmt).policy_name, 'policy');
        return false;
      case 'RuleStmt':
        add((body as T.RuleStmt).rulename, 'rule');
        return false;
      case 'CreatePublicationStmt':
        add((body as T.CreatePublicationStmt).pubname, 'publication');
        return false;
      case 'CreateSubscriptionStmt':
        add((body as T.CreateSubscriptionStmt).subname, 'subscription');
        return false;
      case 'CreateRoleStmt':
        add((body as T.CreateRoleStmt).role, 'role');
        return false;
      case 'CreatedbStmt':
        add((body as T.CreatedbStmt).dbname, 'database');
        return false;
      case 'RenameStmt': {
        const r = body as T.RenameStmt;
        const rel = [
          'OBJECT_TABLE',
          'OBJECT_INDEX',
          'OBJECT_SEQUENCE',
          'OBJECT_VIEW',
          'OBJECT_MATVIEW',
          'OBJECT_FOREIGN_TABLE',
        ].includes(r.renameType ?? '');
        const what = (r.renameType ?? 'OBJECT_OBJECT')
          .replace(/^OBJECT_(TAB)?/, '')
          .toLowerCase()
          .replace(/_/g, ' ');
        add(r.newname, what, rel);
        return false;
      }
    }
    return undefined;
  });
  return out;
}

const IDENT_ASCII = new Uint8Array(128).map((_, c) => (/[\w$]/.test(String.fromCharCode(c)) ? 1 : 0));
// a quote can hide in a string, a comment or a dollar-quoted body, where it opens no identifier
const MAY_HIDE_QUOTES = /['$]|--|\/\*/;
/** the fewest UTF-16 units over MAX_BYTES can take (3 bytes each at most) */
const MIN_UNITS = Math.floor(MAX_BYTES / 3) + 1;

function isIdentUnit(c: number): boolean {
  return c >= 0x80 || IDENT_ASCII[c] === 1;
}

/**
 * False only when no token identifierTokens finds in `sql` is over 63 bytes (a non-ASCII code unit is
 * counted as 3 bytes, the most it takes). Words are runs of identifier characters wherever they are;
 * quoted identifiers are paired up in order, which is how identifierTokens reads them when nothing
 * could hide a quote, else the answer is "maybe".
 */
export function mayHoldLongToken(sql: string): boolean {
  return hasLongWord(sql) || (sql.includes('"') && (MAY_HIDE_QUOTES.test(sql) || hasLongQuoted(sql)));
}

// Looks at every MIN_UNITS-th unit only: a long enough run of identifier characters covers one of them.
function hasLongWord(sql: string): boolean {
  const n = sql.length;
  for (let i = MIN_UNITS - 1; i < n;) {
    if (!isIdentUnit(sql.charCodeAt(i))) {
      i += MIN_UNITS;
      continue;
    }
    let start = i;
    while (start > 0 && isIdentUnit(sql.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < n && isIdentUnit(sql.charCodeAt(end))) end++;
    if (end - start >= MIN_UNITS) {
      let bytes = 0;
      for (let k = start; k < end; k++) bytes += sql.charCodeAt(k) < 0x80 ? 1 : 3;
      if (bytes > MAX_BYTES) return true;
    }
    i = end + MIN_UNITS;
  }
  return false;
}

function hasLongQuoted(sql: string): boolean {
  for (let open = sql.indexOf('"'); open >= 0;) {
    let bytes = 0;
    let j = open + 1;
    for (; j < sql.length; j++) {
      const c = sql.charCodeAt(j);
      if (c === 0x22) {
        if (sql.charCodeAt(j + 1) !== 0x22) break;
        j++;
      }
      bytes += c < 0x80 ? 1 : 3;
      if (bytes > MAX_BYTES) return true;
    }
    open = sql.indexOf('"', j + 1);
  }
  return false;
}

export interface Token {
  /** the name: unquoted as written, or the content of a quoted identifier with "" undone */
  value: string;
  quoted: boolean;
  /** position and length in the statement text (UTF-16 units) */
  index: number;
  length: number;
}

const WORD = /[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/y;
const DOLLAR = /\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;

/** Identifier tokens of a statement, skipping comments, string literals and dollar-quoted bodies. */
export function identifierTokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
    } else if (ch === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === "'") {
      i = skipString(sql, i, false);
    } else if (ch === '$') {
      DOLLAR.lastIndex = i;
      const m = i > 0 && /[\w$\u0080-\uffff]/.test(sql[i - 1]) ? null : DOLLAR.exec(sql);
      if (m) {
        const end = sql.indexOf(m[0], i + m[0].length);
        i = end < 0 ? sql.length : end + m[0].length;
      } else i++;
    } else if (ch === '"') {
      const t = quotedIdent(sql, i);
      out.push(t);
      i += t.length;
    } else if (/[0-9]/.test(ch)) {
      while (i < sql.length && /[\w.]/.test(sql[i])) i++;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      WORD.lastIndex = i;
      const word = WORD.exec(sql)![0];
      const next = sql[i + word.length];
      if (next === "'" && /^[EeBbXxNn]$/.test(word)) {
        i = skipString(sql, i + 1, /^[Ee]$/.test(word));
      } else if (/^[Uu]$/.test(word) && next === '&' && (sql[i + 2] === "'" || sql[i + 2] === '"')) {
        // U&'...' string or U&"..." identifier; escapes are left undecoded (rare in migrations)
        if (sql[i + 2] === "'") i = skipString(sql, i + 2, false);
        else {
          const t = quotedIdent(sql, i + 2);
          out.push({ ...t, index: i, length: t.length + 2 });
          i += t.length + 2;
        }
      } else {
        out.push({ value: word, quoted: false, index: i, length: word.length });
        i += word.length;
      }
    } else {
      i++;
    }
  }
  return out;
}

function quotedIdent(sql: string, start: number): Token {
  let j = start + 1;
  let value = '';
  while (j < sql.length) {
    if (sql[j] === '"') {
      if (sql[j + 1] !== '"') break;
      value += '"';
      j += 2;
    } else value += sql[j++];
  }
  return { value, quoted: true, index: start, length: Math.min(j + 1, sql.length) - start };
}

/** Index just past a '...' literal starting at `start`; backslash escapes only in E'...' strings. */
function skipString(sql: string, start: number, backslashes: boolean): number {
  let j = start + 1;
  while (j < sql.length) {
    if (backslashes && sql[j] === '\\') j += 2;
    else if (sql[j] === "'") {
      if (sql[j + 1] !== "'") return j + 1;
      j += 2;
    } else j++;
  }
  return sql.length;
}
