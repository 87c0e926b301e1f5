/**
 * Where a name from the parse tree is written in a statement's text, after the keywords that introduce it
 * (`DROP COLUMN IF EXISTS <name>`). The keywords are regexes compiled once; the name is compared as text.
 * A regex built around each name cost a compile per finding: ~0.1-0.35 ms each with identPattern's
 * case-insensitive `[\u0080-\uffff]` class, which V8 case-folds.
 */
import type { Range, Stmt } from '../types';
import { bareOrQuotedPattern, identPattern } from './_relations';
import { locatedInFile } from './_util';

/** The name as identPattern matches it: quoted, or bare in any case when it needs no quotes, then no identifier character. */
export const NAME: unique symbol = Symbol('name');
/** The name as bareOrQuotedPattern matches it: bare (whatever it is, whatever follows) or quoted. */
export const BARE_OR_QUOTED_NAME: unique symbol = Symbol('bare or quoted name');

type NameStep = typeof NAME | typeof BARE_OR_QUOTED_NAME;

/** Keywords that may be left out: `(?:re)?`. */
export interface Optional {
  optional: RegExp;
}

export function optional(re: RegExp): Optional {
  return { optional: re };
}

type Step = RegExp | Optional | NameStep;

/**
 * A case-insensitive regex with one name in it, as a list of steps: `[/\bDROP\s+/, optional(/COLUMN\s+/),
 * NAME]` stands for `/\bDROP\s+(?:COLUMN\s+)?(<identPattern(name)>)/i`; several lists stand for `(?:a|b)`.
 */
export interface NamePattern {
  /** the steps, regexes recompiled sticky */
  readonly alternatives: readonly (readonly Step[])[];
  /** where one of the alternatives can start */
  readonly anchor: RegExp;
  readonly sources: readonly (readonly Step[])[];
}

/**
 * Build at module level: every regex is compiled here, once. Each alternative starts with keywords, and
 * only the step right after the name may start with white space (the scan relies on it, see matchEnd).
 */
export function namePattern(...alternatives: [RegExp, ...Step[]][]): NamePattern {
  for (const steps of alternatives)
    steps.forEach((s, i) => {
      const source = s instanceof RegExp ? s.source : typeof s === 'symbol' ? '' : s.optional.source;
      if (i > 0 && /^\\s/.test(source) && typeof steps[i - 1] !== 'symbol')
        throw new Error(`namePattern: /${source}/ starts with white space but does not follow the name`);
    });
  const sticky = (re: RegExp): RegExp => new RegExp(re.source, 'iy');
  return {
    alternatives: alternatives.map((steps) =>
      steps.map((s) =>
        s instanceof RegExp ? sticky(s) : typeof s === 'symbol' ? s : optional(sticky(s.optional)),
      ),
    ),
    anchor: new RegExp(alternatives.map((steps) => `(?:${steps[0].source})`).join('|'), 'gi'),
    sources: alternatives,
  };
}

/**
 * Byte range in the file of the name `parts` (`[schema, table]`, or one part) where `pattern` first
 * matches the statement text; undefined when it does not match or the text is not located in the file.
 * What `new RegExp(<pattern with the name as a group>, 'id')` and groupRange found.
 */
export function nameRange(stmt: Stmt, pattern: NamePattern, parts: readonly string[]): Range | undefined {
  if (!locatedInFile(stmt)) return undefined;
  const span = firstMatch(stmt.text, pattern, parts);
  return span && byteRange(stmt, span.name);
}

/** Byte range of the whole first match of `pattern` with the name `parts`: what rangeOf found with the regex. */
export function matchRange(stmt: Stmt, pattern: NamePattern, parts: readonly string[]): Range | undefined {
  const span = firstMatch(stmt.text, pattern, parts);
  return span && byteRange(stmt, span.match);
}

interface Span {
  start: number;
  end: number;
}

interface Match {
  match: Span;
  name: Span;
}

function byteRange(stmt: Stmt, span: Span): Range {
  const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, span.start), 'utf8');
  return { start, end: start + Buffer.byteLength(stmt.text.slice(span.start, span.end), 'utf8') };
}

/** The first match, as a backtracking regex finds it: the leftmost start, then the ways in order. */
export function firstMatch(text: string, pattern: NamePattern, parts: readonly string[]): Match | undefined {
  if (pattern.sources.some((steps) => parts.some((p) => steps.some((s) => mayEatSpace(s, p)))))
    return matchByRegExp(text, pattern, parts);
  const name: Span = { start: -1, end: -1 };
  const anchor = pattern.anchor;
  anchor.lastIndex = 0;
  for (let m = anchor.exec(text); m; m = anchor.exec(text)) {
    for (const steps of pattern.alternatives) {
      const end = matchEnd(text, steps, 0, m.index, parts, name);
      if (end >= 0) return { match: { start: m.index, end }, name };
    }
    anchor.lastIndex = m.index + 1;
  }
  return undefined;
}

/**
 * End of the match of `steps[i..]` at `at`, or -1; the name's span goes to `name`. Tries the ways in the
 * order a backtracking regex does (an optional step present first, a bare name before a quoted one). It
 * never gives back white space a step matched, which only matters when what follows starts with white
 * space: namePattern allows that right after the name only, and mayEatSpace sends such names to the regex.
 */
function matchEnd(
  text: string,
  steps: readonly Step[],
  i: number,
  at: number,
  parts: readonly string[],
  name: Span,
): number {
  for (; i < steps.length; i++) {
    const step = steps[i];
    if (typeof step === 'symbol') {
      return nameEnd(text, at, parts, 0, step, (end) => {
        const rest = matchEnd(text, steps, i + 1, end, parts, name);
        if (rest >= 0) {
          name.start = at;
          name.end = end;
        }
        return rest;
      });
    }
    if (step instanceof RegExp) {
      step.lastIndex = at;
      if (!step.test(text)) return -1;
      at = step.lastIndex;
    } else {
      step.optional.lastIndex = at;
      if (step.optional.test(text)) {
        const end = matchEnd(text, steps, i + 1, step.optional.lastIndex, parts, name);
        if (end >= 0) return end;
      }
    }
  }
  return at;
}

const DOT = /\s*\.\s*/y;

/** `rest(end)` for the first end of `parts[k..]` (joined by dots) written at `at` for which it is not -1. */
function nameEnd(
  text: string,
  at: number,
  parts: readonly string[],
  k: number,
  style: NameStep,
  rest: (end: number) => number,
): number {
  const part = parts[k];
  const quoted = `"${part.replace(/"/g, '""')}"`;
  const quotedEnd = sameIgnoringCase(text, at, quoted) ? at + quoted.length : -1;
  const bare =
    sameIgnoringCase(text, at, part) &&
    (style === BARE_OR_QUOTED_NAME || (BARE.test(part) && !isIdentChar(text.charCodeAt(at + part.length))));
  const bareEnd = bare ? at + part.length : -1;
  const then = (end: number): number => {
    if (k + 1 === parts.length) return rest(end);
    DOT.lastIndex = end;
    return DOT.test(text) ? nameEnd(text, DOT.lastIndex, parts, k + 1, style, rest) : -1;
  };
  // the order of the alternatives in bareOrQuotedPattern / identPattern
  const [first, second] = style === BARE_OR_QUOTED_NAME ? [bareEnd, quotedEnd] : [quotedEnd, bareEnd];
  const found = first >= 0 ? then(first) : -1;
  return found >= 0 || second < 0 ? found : then(second);
}

// identPattern's test for a name that may be written bare
const BARE = /^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*$/;

/** [\w$\u0080-\uffff]; NaN (past the end) is not. */
function isIdentChar(c: number): boolean {
  return (
    c >= 0x80 ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x24
  );
}

/** True when `text` holds `word` at `at`, compared as a regex with the `i` flag (and no `u`) compares. */
function sameIgnoringCase(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let j = 0; j < word.length; j++) {
    const a = text.charCodeAt(at + j);
    const b = word.charCodeAt(j);
    if (a !== b && canonicalize(a) !== canonicalize(b)) return false;
  }
  return true;
}

/**
 * ECMAScript's Canonicalize for a regex with the `i` flag and no `u`: the code unit's upper case when that
 * is one code unit, except that nothing outside ASCII maps into it ('ſ' is not 's'; 'ß' stays 'ß').
 */
export function canonicalize(c: number): number {
  if (c < 0x80) return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
  const upper = String.fromCharCode(c).toUpperCase();
  if (upper.length !== 1) return c;
  const u = upper.charCodeAt(0);
  return u < 0x80 ? c : u;
}

/**
 * A name written bare can start with a character `\s` matches (U+00A0, U+3000, ... which PostgreSQL reads
 * as identifier characters; anything at all for BARE_OR_QUOTED_NAME). The regex could then take part of
 * the white space before it for the name, which the scan does not try: such names go through the regex.
 */
function mayEatSpace(step: Step, part: string): boolean {
  return (step === BARE_OR_QUOTED_NAME || (step === NAME && BARE.test(part))) && /^\s/.test(part);
}

function matchByRegExp(text: string, pattern: NamePattern, parts: readonly string[]): Match | undefined {
  const name = (style: NameStep): string =>
    `(${parts.map(style === NAME ? identPattern : bareOrQuotedPattern).join('\\s*\\.\\s*')})`;
  const source = pattern.sources
    .map((steps) =>
      steps
        .map((s) =>
          typeof s === 'symbol'
            ? name(s)
            : s instanceof RegExp
              ? `(?:${s.source})`
              : `(?:${s.optional.source})?`,
        )
        .join(''),
    )
    .join('|');
  const m = new RegExp(source, 'id').exec(text);
  const group = m?.indices?.slice(1).find((g) => g !== undefined);
  if (!m || !group) return undefined;
  return { match: { start: m.index, end: m.index + m[0].length }, name: { start: group[0], end: group[1] } };
}
