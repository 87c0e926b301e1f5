/**
 * The SQL a code migration runs from string literals: Rails `execute`, Django `RunSQL`, Alembic
 * `op.execute`, Knex `.raw`, Sequelize `sequelize.query`, TypeORM `queryRunner.query`, EF
 * `migrationBuilder.Sql`. Only literals count (joined by juxtaposition or `+`); an interpolated one
 * is reported as skipped, since its text is only known when the migration runs.
 */
import type { CodeLanguage } from './framework';
import { concat, literalAt, type Decoded } from './literals';

export interface EmbeddedSql extends Decoded {
  /** the call it is an argument of, as written: 'execute', 'RunSQL', 'op.execute', ... */
  call: string;
  direction: 'up' | 'down';
  /** UTF-16 span in the code of the literal(s) */
  start: number;
  end: number;
  /** the call passes bind values after the SQL (`?` / `%s` placeholders) */
  hasBindings: boolean;
}

export interface SkippedSql {
  call: string;
  start: number;
  end: number;
  reason: string;
}

interface CallPattern {
  re: RegExp;
  /** which arguments hold SQL: positional indexes and keyword names */
  positional: number[];
  keywords: string[];
  /** positional index or keyword that is the down direction's SQL */
  reverse?: { positional: number; keyword: string };
}

const CALLS: Record<CodeLanguage, CallPattern[]> = {
  python: [
    {
      re: /\b(?:migrations\.)?RunSQL\s*\(/g,
      positional: [0, 1],
      keywords: ['sql', 'reverse_sql'],
      reverse: { positional: 1, keyword: 'reverse_sql' },
    },
    { re: /\bop\.execute\s*\(/g, positional: [0], keywords: ['sqltext'] },
  ],
  ruby: [{ re: /(?<![\w.:])(?:connection\.)?execute\b(?=\s*[("'%<])/g, positional: [0], keywords: [] }],
  javascript: [
    { re: /\b[\w$]+(?:\.schema)?\.raw\s*\(/g, positional: [0], keywords: [] },
    { re: /\b(?:queryInterface\.)?sequelize\.query\s*\(/g, positional: [0], keywords: [] },
    { re: /\bqueryRunner\.query\s*\(/g, positional: [0], keywords: [] },
  ],
  csharp: [{ re: /\b[\w.]*\.Sql\s*\(/g, positional: [0], keywords: [] }],
};

/** Where an `up` or `down` body begins: a finding in a down body is linted as a down migration. */
const DIRECTION: Record<CodeLanguage, RegExp> = {
  python: /^[ \t]*def[ \t]+(upgrade|downgrade)\b/gm,
  ruby: /^[ \t]*def[ \t]+(up|down|change)\b|\bdir\.(up|down)\b/gm,
  javascript:
    /(?:\bexports\.|^[ \t]*(?:public[ \t]+)?(?:async[ \t]+)?|\basync[ \t]+function[ \t]+|\bfunction[ \t]+)(up|down)\b[ \t]*(?:[=:(]|<)/gm,
  csharp: /\bvoid[ \t]+(Up|Down)[ \t]*\(/g,
};

function commentStart(lang: CodeLanguage, text: string, i: number): number | undefined {
  if ((lang === 'python' || lang === 'ruby') && text[i] === '#') {
    const e = text.indexOf('\n', i);
    return e < 0 ? text.length : e;
  }
  if ((lang === 'javascript' || lang === 'csharp') && text[i] === '/') {
    if (text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      return e < 0 ? text.length : e;
    }
    if (text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      return e < 0 ? text.length : e + 2;
    }
  }
  return undefined;
}

/** The spans of comments and literals, so a call written inside one is not taken for a call. */
function inertSpans(text: string, lang: CodeLanguage): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 0; i < text.length;) {
    const c = commentStart(lang, text, i);
    if (c !== undefined) {
      spans.push([i, c]);
      i = c;
      continue;
    }
    const ch = text[i];
    if (lang === 'ruby' && ch === '<' && text[i + 1] === '<') {
      const h = literalAt(text, i, lang);
      if (h?.bodyEnd !== undefined) {
        spans.push([h.start, h.bodyEnd]);
        i = h.bodyEnd;
        continue;
      }
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const prev = text[i - 1] ?? '';
      const from =
        lang === 'python' && /[rRbBuUfF]/.test(prev)
          ? i - 1
          : lang === 'csharp' && /[@$]/.test(prev)
            ? i - 1
            : i;
      const lit = literalAt(text, from, lang);
      if (lit) {
        spans.push([lit.start, lit.end]);
        i = lit.end;
        continue;
      }
    }
    i++;
  }
  return spans;
}

function inside(spans: [number, number][], i: number): boolean {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid][1] <= i) lo = mid + 1;
    else if (spans[mid][0] > i) hi = mid - 1;
    else return true;
  }
  return false;
}

function skipSpace(text: string, i: number, lang: CodeLanguage, newlines: boolean): number {
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || (newlines && /[\r\n]/.test(text[i]))))
      i++;
    if (newlines) {
      const c = commentStart(lang, text, i);
      if (c !== undefined) {
        i = c;
        continue;
      }
    }
    return i;
  }
}

interface Group {
  lit: Decoded;
  start: number;
  end: number;
  /** where scanning resumes */
  next: number;
}

/** A literal at `i` and the ones joined to it (`'a' 'b'`, `'a' + 'b'`). */
function literalGroup(text: string, i: number, lang: CodeLanguage, inParens: boolean): Group | undefined {
  const first = literalAt(text, i, lang);
  if (!first) return undefined;
  // a heredoc's body is on the lines after its opener; the call goes on right after the opener
  if (first.bodyEnd !== undefined) return { lit: first, start: i, end: first.bodyEnd, next: first.end };
  let lit: Decoded = first;
  let end = first.end;
  for (;;) {
    let j = skipSpace(text, end, lang, inParens);
    let plus = false;
    if (text[j] === '+') {
      plus = true;
      j = skipSpace(text, j + 1, lang, true);
    } else if (lang === 'ruby' && text[j] === '\\' && text[j + 1] === '\n')
      j = skipSpace(text, j + 2, lang, true);
    if (!plus && !(lang === 'python' || lang === 'ruby')) break;
    const more = literalAt(text, j, lang);
    if (!more || more.bodyEnd !== undefined) break;
    lit = concat(lit, more);
    end = more.end;
  }
  return { lit, start: i, end, next: end };
}

export function extractSql(text: string, lang: CodeLanguage): { sql: EmbeddedSql[]; skipped: SkippedSql[] } {
  const spans = inertSpans(text, lang);
  const markers: { at: number; down: boolean }[] = [];
  for (const m of text.matchAll(DIRECTION[lang]))
    if (!inside(spans, m.index)) markers.push({ at: m.index, down: /^down/i.test(m[1] ?? m[2] ?? '') });
  const directionAt = (i: number): 'up' | 'down' => {
    let d: 'up' | 'down' = 'up';
    for (const m of markers) if (m.at < i) d = m.down ? 'down' : 'up';
    return d;
  };
  const sql: EmbeddedSql[] = [];
  const skipped: SkippedSql[] = [];
  for (const pattern of CALLS[lang]) {
    for (const m of text.matchAll(pattern.re)) {
      if (inside(spans, m.index)) continue;
      const call = m[0].replace(/\s*\($/, '');
      const open = m[0].endsWith('(');
      let i = m.index + m[0].length;
      if (!open) {
        i = skipSpace(text, i, lang, false);
        if (text[i] === '(') {
          i++;
        } else {
          // Ruby without parentheses: one argument, up to the end of the line
          const g = literalGroup(text, i, lang, false);
          if (g) take(g, call, directionAt(m.index), false);
          continue;
        }
      }
      scanArgs(i, call, pattern, directionAt(m.index));
    }
  }
  sql.sort((a, b) => a.start - b.start);
  skipped.sort((a, b) => a.start - b.start);
  return { sql, skipped };

  function take(g: Group, call: string, direction: 'up' | 'down', hasBindings: boolean): void {
    if (g.lit.interpolated)
      skipped.push({
        call,
        start: g.start,
        end: g.end,
        reason: `${call}(...) builds its SQL with interpolation: its text is only known when the migration runs, so pgshift does not lint it`,
      });
    else sql.push({ ...g.lit, call, direction, start: g.start, end: g.end, hasBindings });
  }

  /** The arguments of a call from just after its `(`: the SQL ones' literals, by the nesting rules below. */
  function scanArgs(i: number, call: string, pattern: CallPattern, direction: 'up' | 'down'): void {
    let arg = 0;
    let keyword: string | undefined;
    const found: { g: Group; arg: number; keyword?: string }[] = [];
    // a frame per open bracket inside the call: '[' holds many SQL strings, '(' (a tuple or a call such
    // as sa.text(...)) only its first literal, '{' (options, bindings) none
    const stack: { kind: string; taken: boolean }[] = [];
    const argStart = (j: number): number => {
      const k = /^\s*([A-Za-z_]\w*)\s*=(?!=)/.exec(text.slice(j, j + 60));
      keyword = k && lang === 'python' ? k[1] : undefined;
      return keyword ? j + k![0].length : j;
    };
    i = argStart(i);
    while (i < text.length) {
      const c = commentStart(lang, text, i);
      if (c !== undefined) {
        i = c;
        continue;
      }
      const ch = text[i];
      if (ch === ')' || ch === ']' || ch === '}') {
        if (!stack.length) break;
        stack.pop();
        i++;
        continue;
      }
      if (ch === '(' || ch === '[' || ch === '{') {
        stack.push({ kind: ch, taken: false });
        i++;
        continue;
      }
      if (ch === ',' && !stack.length) {
        arg++;
        i = argStart(i + 1);
        continue;
      }
      const g =
        /[\s\w.]/.test(ch) && !/[rRbBuUfF@$]/.test(ch) ? undefined : literalGroup(text, i, lang, true);
      if (g) {
        const frame = stack[stack.length - 1];
        const blocked =
          stack.some((f) => f.kind === '{') ||
          stack.some((f, k) => f.kind === '(' && f.taken && k < stack.length);
        if (!blocked) {
          found.push({ g, arg, keyword });
          if (frame?.kind === '(') frame.taken = true;
        }
        i = g.next;
        continue;
      }
      i++;
    }
    // Django's RunSQL takes (sql, params) tuples and Alembic passes DB-API `%s` through: Python always binds
    const hasBindings = lang === 'python' || arg > 0;
    for (const f of found) {
      const counts = f.keyword ? pattern.keywords.includes(f.keyword) : pattern.positional.includes(f.arg);
      if (!counts) continue;
      const rev = pattern.reverse;
      const isReverse = !!rev && (f.keyword ? f.keyword === rev.keyword : f.arg === rev.positional);
      take(f.g, call, isReverse ? 'down' : direction, hasBindings);
    }
  }
}
