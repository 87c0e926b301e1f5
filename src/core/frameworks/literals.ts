/**
 * String literals of Python, Ruby, JavaScript/TypeScript and C#, decoded with a map from every UTF-16
 * unit of the value back to the source text, so a finding in the SQL points at the exact characters of
 * the code file (an escape `\n` or `''` maps to the whole escape).
 */
import type { CodeLanguage } from './framework';

export interface Decoded {
  value: string;
  /** per UTF-16 unit of value: its [start, end) UTF-16 offsets in the code file */
  starts: number[];
  ends: number[];
  /** the literal interpolates (`${}`, `#{}`, f-string, `$"..."`): its value is not known before run time */
  interpolated: boolean;
}

export interface Literal extends Decoded {
  /** the token's span in the code (for a heredoc, its opener `<<~SQL`) */
  start: number;
  end: number;
  /** for a heredoc: where its body ends (scanning resumes at `end`, the body is skipped later) */
  bodyEnd?: number;
}

class Builder implements Decoded {
  value = '';
  starts: number[] = [];
  ends: number[] = [];
  interpolated = false;
  push(s: string, from: number, to: number): void {
    for (let i = 0; i < s.length; i++) {
      this.starts.push(from);
      this.ends.push(to);
    }
    this.value += s;
  }
  /** source characters copied verbatim, one unit each */
  copy(text: string, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.starts.push(i);
      this.ends.push(i + 1);
    }
    this.value += text.slice(from, to);
  }
  /** what was built, as the literal whose token spans [start, end) */
  literal(start: number, end: number, bodyEnd?: number): Literal {
    const { value, starts, ends, interpolated } = this;
    return { value, starts, ends, interpolated, start, end, ...(bodyEnd !== undefined ? { bodyEnd } : {}) };
  }
}

/** Appends `b`'s value and map to `a` (literals joined by juxtaposition or `+`). */
export function concat(a: Decoded, b: Decoded): Decoded {
  return {
    value: a.value + b.value,
    starts: [...a.starts, ...b.starts],
    ends: [...a.ends, ...b.ends],
    interpolated: a.interpolated || b.interpolated,
  };
}

const SIMPLE: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
};

/** A backslash escape at `i` (the backslash): [decoded, length of the escape] or undefined to keep it as is. */
function escape(text: string, i: number, lang: CodeLanguage): [string, number] | undefined {
  const c = text[i + 1];
  if (c === undefined) return undefined;
  if (c === '\r' && text[i + 2] === '\n' && lang !== 'csharp') return ['', 3];
  if (c === '\n' && lang !== 'csharp') return ['', 2];
  const hex = (from: number, n: number): number | undefined => {
    const h = text.slice(from, from + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : undefined;
  };
  if (c === 'x') {
    const n = lang === 'csharp' ? (/^[0-9a-fA-F]{1,4}/.exec(text.slice(i + 2))?.[0].length ?? 0) : 2;
    const v = n ? hex(i + 2, n) : undefined;
    return v === undefined ? undefined : [String.fromCodePoint(v), 2 + n];
  }
  if (c === 'u') {
    if (text[i + 2] === '{' && (lang === 'javascript' || lang === 'ruby')) {
      const close = text.indexOf('}', i + 3);
      const v = close > 0 ? hex(i + 3, close - i - 3) : undefined;
      return v === undefined ? undefined : [String.fromCodePoint(v), close - i + 1];
    }
    const v = hex(i + 2, 4);
    return v === undefined ? undefined : [String.fromCharCode(v), 6];
  }
  if (c === 'U' && (lang === 'python' || lang === 'csharp')) {
    const v = hex(i + 2, 8);
    return v === undefined ? undefined : [String.fromCodePoint(v), 10];
  }
  if (lang === 'python' && /[0-7]/.test(c)) {
    const o = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
    return [String.fromCharCode(parseInt(o, 8)), 1 + o.length];
  }
  if (c in SIMPLE) {
    if (c === '0' && lang === 'python') return undefined;
    return [SIMPLE[c], 2];
  }
  if (c === 'e' && lang === 'ruby') return ['\x1b', 2];
  if (c === 's' && lang === 'ruby') return [' ', 2];
  // JavaScript and Ruby drop the backslash of an unknown escape; Python keeps it
  if (lang === 'javascript' || lang === 'ruby') return [c, 2];
  return undefined;
}

/** Reads the body of a quoted literal from `i` (after the opening quote) to `close`, with escapes unless raw. */
function body(
  text: string,
  i: number,
  close: string,
  lang: CodeLanguage,
  opts: { raw?: boolean; multiline: boolean; interp?: RegExp; doubledQuote?: boolean; braces?: boolean },
): { b: Builder; end: number } | undefined {
  const b = new Builder();
  while (i < text.length) {
    if (text.startsWith(close, i)) {
      if (opts.doubledQuote && text.startsWith(close + close, i)) {
        b.push(close, i, i + 2);
        i += 2;
        continue;
      }
      return { b, end: i + close.length };
    }
    const ch = text[i];
    if (!opts.multiline && ch === '\n') return undefined;
    if (opts.braces && (text.startsWith('{{', i) || text.startsWith('}}', i))) {
      b.push(ch, i, i + 2);
      i += 2;
      continue;
    }
    if (opts.interp) {
      opts.interp.lastIndex = i;
      if (opts.interp.test(text)) b.interpolated = true;
    }
    if (ch === '\\' && !opts.doubledQuote) {
      if (opts.raw) {
        // a raw string still cannot end at an escaped quote; both characters stay
        const n = text[i + 1] === close[0] || text[i + 1] === '\\' ? 2 : 1;
        b.copy(text, i, i + n);
        i += n;
        continue;
      }
      const e = escape(text, i, lang);
      if (e) {
        b.push(e[0], i, i + e[1]);
        i += e[1];
        continue;
      }
    }
    b.copy(text, i, i + 1);
    i++;
  }
  return undefined;
}

function done(r: { b: Builder; end: number } | undefined, start: number): Literal | undefined {
  return (
    r && {
      ...r.b,
      value: r.b.value,
      starts: r.b.starts,
      ends: r.b.ends,
      interpolated: r.b.interpolated,
      start,
      end: r.end,
    }
  );
}

/** A literal starting exactly at `i`, or undefined when none does. */
export function literalAt(text: string, i: number, lang: CodeLanguage): Literal | undefined {
  if (lang === 'python') return python(text, i);
  if (lang === 'javascript') return javascript(text, i);
  if (lang === 'csharp') return csharp(text, i);
  return ruby(text, i);
}

function python(text: string, i: number): Literal | undefined {
  const m = /^([rRuUbBfF]{0,2})('''|"""|'|")/.exec(text.slice(i, i + 5));
  if (!m) return undefined;
  const prefix = m[1].toLowerCase();
  if (prefix.includes('b') || (prefix.length === 2 && !/^(rb|br|fr|rf)$/.test(prefix))) return undefined;
  const q = m[2];
  const r = body(text, i + m[0].length, q, 'python', {
    raw: prefix.includes('r'),
    multiline: q.length === 3,
    interp: prefix.includes('f') ? /\{/y : undefined,
    braces: prefix.includes('f'),
  });
  return done(r, i);
}

function javascript(text: string, i: number): Literal | undefined {
  const q = text[i];
  if (q !== "'" && q !== '"' && q !== '`') return undefined;
  const r = body(text, i + 1, q, 'javascript', {
    multiline: q === '`',
    interp: q === '`' ? /\$\{/y : undefined,
  });
  return done(r, i);
}

function csharp(text: string, i: number): Literal | undefined {
  const m = /^(\$*)(@?)(\$*)("""+|")/.exec(text.slice(i, i + 12));
  if (!m) return undefined;
  const interpolated = m[1].length + m[3].length > 0;
  const q = m[4];
  const from = i + m[0].length;
  if (q.length >= 3) {
    // raw string literal: no escapes; multi-line ones drop the first and last line breaks and the
    // closing line's indentation from every line
    const close = text.indexOf(q, from);
    if (close < 0) return undefined;
    const b = new Builder();
    b.interpolated = interpolated && /\{/.test(text.slice(from, close));
    const inner = text.slice(from, close);
    if (!inner.includes('\n')) {
      b.copy(text, from, close);
      return b.literal(i, close + q.length);
    }
    const lastNl = text.lastIndexOf('\n', close - 1);
    const indent = close - lastNl - 1;
    let pos = text.indexOf('\n', from) + 1;
    let first = true;
    while (pos <= lastNl) {
      const eol = text.indexOf('\n', pos);
      const lineEnd = eol < 0 || eol > lastNl ? lastNl : eol;
      if (!first) b.push('\n', pos - 1, pos);
      first = false;
      const contentStart = Math.min(pos + indent, lineEnd);
      let end = lineEnd;
      if (text[end - 1] === '\r') end--;
      b.copy(text, contentStart, Math.max(contentStart, end));
      pos = lineEnd + 1;
      if (lineEnd === lastNl) break;
    }
    return b.literal(i, close + q.length);
  }
  const verbatim = m[2] === '@';
  const r = body(text, from, '"', 'csharp', {
    multiline: verbatim,
    doubledQuote: verbatim,
    interp: interpolated ? /\{/y : undefined,
    braces: interpolated,
  });
  return done(r, i);
}

const PERCENT_CLOSE: Record<string, string> = { '{': '}', '(': ')', '[': ']', '<': '>' };

function ruby(text: string, i: number): Literal | undefined {
  const q = text[i];
  if (q === "'") return done(rubySingle(text, i + 1, "'"), i);
  if (q === '"') return done(body(text, i + 1, '"', 'ruby', { multiline: true, interp: /#\{/y }), i);
  const pct = /^%([qQ]?)([{([<|!/])/.exec(text.slice(i, i + 3));
  if (pct) {
    const close = PERCENT_CLOSE[pct[2]] ?? pct[2];
    const from = i + pct[0].length;
    if (pct[1] === 'q') return done(rubySingle(text, from, close), i);
    return done(body(text, from, close, 'ruby', { multiline: true, interp: /#\{/y }), i);
  }
  const h = /^<<([~-]?)(['"]?)([A-Za-z_]\w*)\2/.exec(text.slice(i, i + 80));
  if (h) return heredoc(text, i, h[0].length, h[1], h[2] !== "'", h[3]);
  return undefined;
}

/** '...' and %q: only \\ and the closing quote are escapes. */
function rubySingle(text: string, i: number, close: string): { b: Builder; end: number } | undefined {
  const b = new Builder();
  while (i < text.length) {
    if (text[i] === '\\' && (text[i + 1] === close || text[i + 1] === '\\')) {
      b.push(text[i + 1], i, i + 2);
      i += 2;
      continue;
    }
    if (text.startsWith(close, i)) return { b, end: i + close.length };
    b.copy(text, i, i + 1);
    i++;
  }
  return undefined;
}

function heredoc(
  text: string,
  start: number,
  openerLength: number,
  kind: string,
  interpolating: boolean,
  id: string,
): Literal | undefined {
  const lineEnd = text.indexOf('\n', start);
  if (lineEnd < 0) return undefined;
  // the body's lines, up to the terminator line
  const lines: { from: number; to: number }[] = [];
  let pos = lineEnd + 1;
  let bodyEnd = -1;
  while (pos <= text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const line = text.slice(pos, eol).replace(/\r$/, '');
    if ((kind === '' ? line : line.trim()) === id) {
      bodyEnd = eol;
      break;
    }
    lines.push({ from: pos, to: eol });
    pos = eol + 1;
  }
  if (bodyEnd < 0) return undefined;
  let strip = 0;
  if (kind === '~') {
    const indents = lines
      .filter((l) => text.slice(l.from, l.to).trim() !== '')
      .map((l) => /^[ \t]*/.exec(text.slice(l.from, l.to))![0].length);
    strip = indents.length ? Math.min(...indents) : 0;
  }
  let b = new Builder();
  for (const l of lines) {
    const from = Math.min(l.from + strip, l.to);
    if (interpolating) {
      // the line alone, with its escapes, then the line break
      const r = body(text.slice(0, l.to) + '\u0000', from, '\u0000', 'ruby', {
        multiline: true,
        interp: /#\{/y,
      });
      if (!r) return undefined;
      b = concatInto(b, r.b);
    } else b.copy(text, from, l.to);
    if (l.to < text.length) b.push('\n', l.to, l.to + 1);
  }
  return b.literal(start, start + openerLength, bodyEnd);
}

function concatInto(a: Builder, b: Builder): Builder {
  a.value += b.value;
  a.starts.push(...b.starts);
  a.ends.push(...b.ends);
  a.interpolated ||= b.interpolated;
  return a;
}
