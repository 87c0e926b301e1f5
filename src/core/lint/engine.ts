/**
 * The lint pipeline: text → statements (splitter) → parse trees (libpg-query) → context (transactions,
 * tables created in this file, target version) → rules → suppressions and severities → findings.
 * A statement that does not parse becomes one syntax-error finding; the rest of the file is still linted.
 */
import type { Node } from '@pgsql/types';
import { SourceText } from '../sql/source';
import { splitStatements, type SplitResult } from '../sql/splitter';
import { dataDirectives, sections, type Section } from '../sql/directives';
import { loadParser, type SqlParser } from '../sql/parser';
import { onlyRefusedInTransaction, transactionRule } from '../pg/transaction';
import { nodeKind, as, walk } from './ast';
import { SchemaModel } from './schema';
import { parseSuppressions, type Suppression } from './suppressions';
import { isMetaRule } from './meta-rules';
import { allRules } from './rules';
import type {
  BatchAt,
  Finding,
  LintOptions,
  Range,
  ReportInput,
  Rule,
  RuleContext,
  Severity,
  Stmt,
} from './types';

const DEFAULT_POSTGRES_VERSION = 15;

export interface LintResult {
  findings: Finding[];
  source: SourceText;
  /** statements per section, for callers that want them (report, runner dry-run) */
  statements: Stmt[];
  /** the schema after the file (objects it created marked new), for linting the next migration or its down */
  schemaAfter: SchemaModel;
}

export async function lint(text: string, options: LintOptions = {}): Promise<LintResult> {
  return lintWith(await loadParser(), text, options);
}

const rulesByKind = new Map<string, Rule[]>();
function rulesFor(kind: string): Rule[] {
  let list = rulesByKind.get(kind);
  if (!list) {
    list = allRules.filter((r) => r.check && (r.meta.kinds.includes(kind) || r.meta.kinds.includes('*')));
    rulesByKind.set(kind, list);
  }
  return list;
}

export function lintWith(parser: SqlParser, text: string, options: LintOptions = {}): LintResult {
  const source = new SourceText(text);
  const split = splitStatements(source.bytes);
  const findings: Finding[] = [];
  const suppressions = parseSuppressions(split.comments);
  const allStatements: Stmt[] = [];
  const severityOf = (rule: string, dflt: Severity): Severity | 'off' => settingOf(options, rule, dflt);
  const skip = rulesNotToRun(options, suppressions);
  // Objects created by earlier migrations are old; a down migration keeps the marks of its own up
  // migration, so undoing what the up created is not flagged as dropping a live table.
  let schema = options.priorSchema
    ? options.priorSchema.clone(options.direction !== 'down')
    : new SchemaModel();

  for (const section of sections(split.comments, source.length, source.bytes)) {
    const { statements, syntaxErrors } = buildStatements(parser, source, split, section, options);
    findings.push(...syntaxErrors);
    allStatements.push(...statements);
    const batches = batchDirectives(split, section, statements, source);
    schema = runRules(statements, source, schema, options, findings, section, batches, skip);
  }

  const kept = applySuppressions(findings, suppressions, allStatements);
  const result: Finding[] = [];
  for (const f of kept) {
    const sev = severityOf(f.rule, f.severity);
    if (sev !== 'off') result.push({ ...f, severity: sev });
  }
  result.sort((a, b) => a.range.start - b.range.start || a.rule.localeCompare(b.rule));
  return { findings: result, source, statements: allStatements, schemaAfter: schema };
}

const OPT_IN: ReadonlySet<string> = new Set(allRules.filter((r) => r.meta.optIn).map((r) => r.meta.id));

/** The config's setting for a rule, else 'off' for an opt-in rule, else `dflt`. */
function settingOf(options: LintOptions, rule: string, dflt: Severity): Severity | 'off' {
  return options.rules?.[rule] ?? (OPT_IN.has(rule) ? 'off' : dflt);
}

/**
 * Rules that are off (opt-in rules the config does not enable, or set to 'off') need not run: their findings
 * would all be dropped. One an ignore comment names still runs, so that the ignore does not look unused.
 */
function rulesNotToRun(options: LintOptions, suppressions: Suppression[]): ReadonlySet<string> {
  if (suppressions.some((s) => s.rules.length === 0)) return new Set();
  const named = new Set(suppressions.flatMap((s) => s.rules));
  return new Set(
    allRules
      .filter((r) => settingOf(options, r.meta.id, r.meta.defaultSeverity) === 'off' && !named.has(r.meta.id))
      .map((r) => r.meta.id),
  );
}

/** The section's `-- pgshift:batch` directives, each with the statement it stands before (as discovery pairs them). */
function batchDirectives(
  split: SplitResult,
  section: Section,
  statements: readonly Stmt[],
  source: SourceText,
): BatchAt[] {
  const comments = split.comments.filter((c) => c.start >= section.start && c.start < section.end);
  const { batches } = dataDirectives(comments);
  if (!batches.length) return [];
  const raws = split.statements.filter((st) => st.start >= section.start && st.start < section.end);
  return batches.map((b) => {
    const raw = raws.find((st) => st.start >= b.end);
    // the first parsed statement of that raw statement (none when it did not parse)
    const statement = raw
      ? statements.find(
          (st) => st.origin === 'top' && st.range.start >= raw.start && st.range.start < raw.end,
        )
      : undefined;
    return {
      range: { start: b.start, end: b.end },
      text: source.slice(b.start, b.end),
      ...(raw ? { follows: true } : {}),
      ...(statement ? { statement } : {}),
      ...(b.options ? { options: b.options } : {}),
      ...(b.error ? { error: b.error } : {}),
    };
  });
}

function buildStatements(
  parser: SqlParser,
  source: SourceText,
  split: SplitResult,
  section: Section,
  options: LintOptions,
): { statements: Stmt[]; syntaxErrors: Finding[] } {
  const statements: Stmt[] = [];
  const syntaxErrors: Finding[] = [];
  const raws = split.statements.filter((s) => s.start >= section.start && s.start < section.end);
  const parsed: { node: Node; range: Range; text: string }[] = [];
  for (const raw of raws) {
    const text = source.slice(raw.start, raw.end);
    const nul = text.indexOf('\0');
    // the C parser would stop at a NUL byte and see a shorter (or empty) statement
    const out =
      nul >= 0
        ? {
            ok: false as const,
            message: 'the statement contains a NUL byte, which PostgreSQL rejects',
            cursor: nul,
          }
        : parser.parse(text);
    if (!out.ok) {
      syntaxErrors.push(syntaxError(source, raw, text, out.message, out.cursor));
      continue;
    }
    for (const p of out.statements) {
      const start = raw.start + p.location;
      const end = p.length !== undefined ? start + p.length : raw.end;
      parsed.push({ node: p.node, range: { start, end }, text: source.slice(start, end) });
    }
  }

  const explicitTxControl = parsed.some((p) => nodeKind(p.node) === 'TransactionStmt');
  // a file of nothing but statements PostgreSQL refuses in a transaction runs without one (the runner agrees)
  const wrapped =
    (options.transactionMode ?? 'wrapped') === 'wrapped' &&
    !section.noTransaction &&
    !explicitTxControl &&
    (section.alwaysWrapped === true || !onlyRefusedInTransaction(parsed, (p) => transactionRule(p.node)));
  let txId = 0;
  let inExplicit = false;
  for (const p of parsed) {
    const kind = nodeKind(p.node) ?? 'Unknown';
    let inTransaction = wrapped || inExplicit;
    if (kind === 'TransactionStmt') {
      const tk = as(p.node, 'TransactionStmt')?.kind;
      if (tk === 'TRANS_STMT_BEGIN' || tk === 'TRANS_STMT_START') {
        if (!inExplicit) txId++;
        inExplicit = true;
        inTransaction = true;
      } else if (
        tk !== 'TRANS_STMT_SAVEPOINT' &&
        tk !== 'TRANS_STMT_RELEASE' &&
        tk !== 'TRANS_STMT_ROLLBACK_TO'
      ) {
        inExplicit = false;
      }
    } else if (!wrapped && !inExplicit) {
      txId++;
    }
    const stmt: Stmt = {
      index: statements.length,
      node: p.node,
      kind,
      range: p.range,
      text: p.text,
      inTransaction,
      txId,
      origin: 'top',
    };
    statements.push(stmt);
    if (kind === 'DoStmt') {
      for (const inner of doBlockStatements(parser, stmt))
        statements.push({ ...inner, index: statements.length });
    }
  }
  return { statements, syntaxErrors };
}

/** SQL statements inside a DO block's PL/pgSQL body: they run at migration time, so rules see them. */
function doBlockStatements(parser: SqlParser, doStmt: Stmt): Stmt[] {
  const pl = parser.parsePlpgsql(doStmt.text);
  if (!pl.ok) return [];
  const queries: string[] = [];
  walk(pl.tree, (kind, body) => {
    if (kind === 'PLpgSQL_stmt_execsql') {
      const q = ((body.sqlstmt as { PLpgSQL_expr?: { query?: string } })?.PLpgSQL_expr?.query ?? '').trim();
      if (q) queries.push(q);
    }
  });
  const out: Stmt[] = [];
  const textBytes = Buffer.from(doStmt.text, 'utf8');
  let searchFrom = 0;
  for (const q of queries) {
    const res = parser.parse(q);
    if (!res.ok) continue;
    const at = textBytes.indexOf(Buffer.from(q, 'utf8'), searchFrom);
    const range =
      at >= 0
        ? { start: doStmt.range.start + at, end: doStmt.range.start + at + Buffer.byteLength(q) }
        : doStmt.range;
    if (at >= 0) searchFrom = at + 1;
    for (const p of res.statements) {
      const kind = nodeKind(p.node) ?? 'Unknown';
      out.push({
        index: 0,
        node: p.node,
        kind,
        range,
        text: q,
        inTransaction: true,
        txId: doStmt.txId,
        origin: 'do-block',
      });
    }
  }
  return out;
}

function syntaxError(
  source: SourceText,
  raw: { start: number; end: number },
  text: string,
  message: string,
  cursor?: number,
): Finding {
  let start = raw.start;
  let end = raw.end;
  if (cursor !== undefined && cursor >= 0 && cursor <= text.length) {
    start = raw.start + Buffer.byteLength(text.slice(0, cursor), 'utf8');
    const rest = text.slice(cursor);
    const tok = /^("(?:[^"]|"")*"|'(?:[^']|'')*'|[\w$]+|\S)/.exec(rest);
    end = tok ? start + Buffer.byteLength(tok[0], 'utf8') : start;
    if (end > raw.end) end = raw.end;
    if (start >= raw.end) {
      // error at the end of input: point at the last token
      start = Math.max(raw.start, raw.end - 1);
      end = raw.end;
    }
  }
  return {
    rule: 'syntax-error',
    severity: 'error',
    range: { start, end },
    message: /^syntax error/.test(message) ? message : `syntax error: ${message}`,
    help: 'PostgreSQL cannot parse this statement, so it will fail when the migration runs. The rest of the file is still checked.',
  };
}

function runRules(
  statements: Stmt[],
  source: SourceText,
  schemaIn: SchemaModel,
  options: LintOptions,
  findings: Finding[],
  section: Section,
  batches: readonly BatchAt[],
  skip: ReadonlySet<string>,
): SchemaModel {
  const schema = schemaIn;
  // objects a down migration's up twin created count as created "before" the first statement
  const created = indexCreatedObjects(statements, options.direction === 'down' ? schemaIn.newObjects() : []);
  let current: Rule | undefined;
  let currentStmt: Stmt | undefined;
  const ctx: RuleContext = {
    postgresVersion: options.postgresVersion ?? DEFAULT_POSTGRES_VERSION,
    runnerSetsLockTimeout: options.runnerSetsLockTimeout ?? true,
    runnerSetsStatementTimeout: options.runnerSetsStatementTimeout ?? false,
    statements,
    schema,
    source,
    noTransactionDirective: section.noTransaction,
    batches,
    ...(section.headerEnd !== undefined ? { changeSetHeaderEnd: section.headerEnd } : {}),
    explicitTransactions: statements.some((s) => s.kind === 'TransactionStmt'),
    createdInFile: (kind, name, beforeIndex) => {
      const at = created.get(`${kind}:${name.toLowerCase()}`);
      return at !== undefined && at < beforeIndex;
    },
    isNewTable: (q) => schema.table(q)?.isNew ?? false,
    isNewColumn: (q, column) => !!schema.table(q)?.isNew || !!schema.column(q, column)?.isNew,
    rangeAt: (stmt, location) => rangeAt(source, stmt, location),
    report: (input: ReportInput) => {
      if (!current) return;
      findings.push(toFinding(current, input, currentStmt));
    },
  };
  for (const stmt of statements) {
    currentStmt = stmt;
    for (const rule of rulesFor(stmt.kind)) {
      if (skip.has(rule.meta.id)) continue;
      current = rule;
      try {
        rule.check!(stmt, ctx);
      } catch (e) {
        findings.push(internalError(rule, stmt, e));
      }
    }
    schema.apply(stmt.node, true);
  }
  currentStmt = undefined;
  for (const rule of allRules) {
    if (!rule.checkFile || skip.has(rule.meta.id)) continue;
    current = rule;
    try {
      rule.checkFile(ctx);
    } catch (e) {
      findings.push(internalError(rule, statements[0], e));
    }
  }
  current = undefined;
  return schema;
}

/** First statement index that creates each object of the file, keyed 'kind:name' (lower case). */
function indexCreatedObjects(
  statements: Stmt[],
  prior: { kind: string; name: string }[],
): Map<string, number> {
  const created = new Map<string, number>();
  const add = (kind: string, name: unknown, i: number): void => {
    if (typeof name !== 'string' || !name) return;
    const key = `${kind}:${name.toLowerCase()}`;
    if (!created.has(key)) created.set(key, i);
  };
  for (const p of prior) add(p.kind, p.name, -1);
  for (const s of statements) {
    const n = s.node as unknown as Record<string, Record<string, unknown> | undefined>;
    const body = n[s.kind];
    if (!body) continue;
    const rel = (v: unknown): string | undefined => (v as { relname?: string } | undefined)?.relname;
    const constraintNames = (elts: unknown): void => {
      for (const e of (elts as
        Record<string, { conname?: string; constraints?: unknown[]; colname?: string }>[] | undefined) ??
        []) {
        add('constraint', e.Constraint?.conname, s.index);
        for (const c of (e.ColumnDef?.constraints as { Constraint?: { conname?: string } }[] | undefined) ??
          [])
          add('constraint', c.Constraint?.conname, s.index);
      }
    };
    switch (s.kind) {
      case 'CreateStmt': {
        const t = rel(body.relation);
        add('table', t, s.index);
        constraintNames(body.tableElts);
        for (const e of (body.tableElts as { ColumnDef?: { colname?: string } }[] | undefined) ?? [])
          if (t && e.ColumnDef?.colname) add('column', `${t}.${e.ColumnDef.colname}`, s.index);
        break;
      }
      case 'CreateTableAsStmt':
        add('table', rel((body.into as { rel?: unknown } | undefined)?.rel), s.index);
        break;
      case 'ViewStmt':
        add('table', rel(body.view), s.index);
        break;
      case 'CreateSeqStmt':
        add('table', rel(body.sequence), s.index);
        break;
      case 'IndexStmt':
        add('index', body.idxname as string | undefined, s.index);
        break;
      case 'CreateEnumStmt':
      case 'CompositeTypeStmt':
      case 'CreateDomainStmt': {
        const names =
          ((s.kind === 'CreateDomainStmt'
            ? body.domainname
            : s.kind === 'CreateEnumStmt'
              ? body.typeName
              : (body.typevar as { relname?: string } | undefined)?.relname) as unknown) ?? [];
        const list = Array.isArray(names)
          ? names.map((x: { String?: { sval?: string } }) => x.String?.sval)
          : [names as string];
        add('type', list[list.length - 1], s.index);
        break;
      }
      case 'AlterTableStmt': {
        const t = rel(body.relation);
        for (const c of (body.cmds as
          | {
              AlterTableCmd?: {
                subtype?: string;
                def?: Record<string, { conname?: string; colname?: string }>;
              };
            }[]
          | undefined) ?? []) {
          const cmd = c.AlterTableCmd;
          if (cmd?.subtype === 'AT_AddConstraint') add('constraint', cmd.def?.Constraint?.conname, s.index);
          if (cmd?.subtype === 'AT_AddColumn' && t)
            add('column', `${t}.${cmd.def?.ColumnDef?.colname ?? ''}`, s.index);
        }
        break;
      }
    }
  }
  return created;
}

function toFinding(rule: Rule, input: ReportInput, stmt: Stmt | undefined): Finding {
  const range = input.range ?? stmt?.range ?? { start: 0, end: 0 };
  return {
    rule: rule.meta.id,
    severity: input.severity ?? rule.meta.defaultSeverity,
    range,
    message: input.message,
    help: input.help ?? rule.meta.description,
    ...(input.fix ? { fix: input.fix } : {}),
    ...(input.suggestions?.length ? { suggestions: input.suggestions } : {}),
  };
}

// A bug in one rule must not hide the other rules' findings: report it and go on.
function internalError(rule: Rule, stmt: Stmt | undefined, e: unknown): Finding {
  return {
    rule: rule.meta.id,
    severity: 'error',
    range: stmt?.range ?? { start: 0, end: 0 },
    message: `internal error in rule ${rule.meta.id}: ${(e as Error)?.message ?? String(e)}`,
    help: 'This is a bug in pgshift; please report it with the statement that triggered it.',
  };
}

/** Extends a statement-relative parse-tree location over one token. */
function rangeAt(source: SourceText, stmt: Stmt, location: number | undefined): Range {
  if (
    location === undefined ||
    location < 0 ||
    (stmt.origin === 'do-block' && location > stmt.range.end - stmt.range.start)
  ) {
    return stmt.range;
  }
  const start = stmt.range.start + location;
  if (start >= stmt.range.end) return stmt.range;
  const b = source.bytes;
  let end = start;
  if (b[end] === 0x22 || b[end] === 0x27) {
    // a quoted identifier or string literal: up to the closing quote (doubled quotes are escapes)
    const q = b[end];
    end++;
    while (end < stmt.range.end && !(b[end] === q && b[end + 1] !== q)) end += b[end] === q ? 2 : 1;
    end++;
  } else {
    while (end < stmt.range.end && (b[end] >= 0x80 || /[\w$.]/.test(String.fromCharCode(b[end])))) end++;
    if (end === start) end = start + 1;
  }
  return { start, end: Math.min(end, stmt.range.end) };
}

function applySuppressions(findings: Finding[], suppressions: Suppression[], statements: Stmt[]): Finding[] {
  if (suppressions.length === 0) return findings;
  const known = new Set(allRules.map((r) => r.meta.id));
  const tops = statements.filter((s) => s.origin === 'top');
  // a statement-level ignore applies to the first statement that starts after the comment
  const target = new Map<Suppression, Range | undefined>();
  for (const s of suppressions) {
    if (s.scope === 'statement') target.set(s, tops.find((t) => t.range.start >= s.comment.end)?.range);
  }
  const kept = findings.filter((f) => {
    if (isMetaRule(f.rule)) return true;
    for (const s of suppressions) {
      if (s.rules.length > 0 && !s.rules.includes(f.rule)) continue;
      if (s.scope === 'statement') {
        const r = target.get(s);
        if (!r || f.range.start < r.start || f.range.start > r.end) continue;
      }
      s.used.add(f.rule);
      return false;
    }
    return true;
  });
  for (const s of suppressions) {
    const range = { start: s.comment.start, end: s.comment.end };
    const what = s.scope === 'file' ? 'pgshift-ignore-file' : 'pgshift-ignore';
    if (!s.reason) {
      kept.push({
        rule: 'ignore-without-reason',
        severity: 'warning',
        range,
        message: `${what} needs a reason: write "-- ${what} ${s.rules.join(', ') || '<rule>'}: <why this is safe here>"`,
        help: 'A reason tells the next reader why the risk is acceptable here. Add it after a colon.',
      });
    }
    const unknown = s.rules.filter((r) => !known.has(r));
    for (const r of unknown) {
      kept.push({
        rule: 'unused-ignore',
        severity: 'warning',
        range,
        message: `${what} names an unknown rule "${r}"`,
        help: 'Check the rule id against the rules list (`pgshift rules`); a misspelt id silences nothing.',
      });
    }
    const unused =
      s.rules.length === 0
        ? s.used.size === 0
          ? ['(all rules)']
          : []
        : s.rules.filter((r) => known.has(r) && !s.used.has(r));
    for (const r of unused) {
      kept.push({
        rule: 'unused-ignore',
        severity: 'warning',
        range,
        message:
          s.scope === 'file'
            ? `${what} ${r} silences nothing in this file`
            : `${what} ${r} silences nothing on the statement that follows it`,
        help: 'Remove the ignore comment, or move it right before the statement it is meant for.',
      });
    }
  }
  return kept;
}
