/**
 * ALTER COLUMN ... TYPE from one type to another: whether PostgreSQL can skip the rewrite (the change
 * is binary-coercible) and whether the cast can lose data (the backup of a migration keeps the old
 * values of such a column).
 */
export type TypeVerdict = 'no-rewrite' | 'rewrite' | 'utc';

/** Whether ALTER COLUMN TYPE from → to is binary-coercible (catalog only) in PostgreSQL. */
export function typeChange(from: string | undefined, to: string, pgVersion: number): TypeVerdict {
  if (!from) return 'rewrite';
  const f = parseType(from);
  const t = parseType(to);
  if (f.array !== t.array) return 'rewrite';
  if (f.base === t.base) {
    if (f.mods.join() === t.mods.join()) return 'no-rewrite';
    switch (f.base) {
      case 'varchar':
      case 'varbit':
        return t.mods.length === 0 || (f.mods.length > 0 && t.mods[0] >= f.mods[0])
          ? 'no-rewrite'
          : 'rewrite';
      case 'numeric':
        if (t.mods.length === 0) return 'no-rewrite';
        return f.mods.length > 0 && t.mods[0] >= f.mods[0] && (t.mods[1] ?? 0) === (f.mods[1] ?? 0)
          ? 'no-rewrite'
          : 'rewrite';
      case 'timestamp':
      case 'timestamptz':
      case 'time':
      case 'timetz':
      case 'interval':
        return t.mods.length === 0 ||
          (f.mods.length > 0 && t.mods[t.mods.length - 1] >= f.mods[f.mods.length - 1])
          ? 'no-rewrite'
          : 'rewrite';
      default:
        return 'rewrite';
    }
  }
  const pair = `${f.base}>${t.base}`;
  if (
    (f.base === 'varchar' && t.base === 'text') ||
    (f.base === 'text' && t.base === 'varchar' && t.mods.length === 0)
  )
    return 'no-rewrite';
  if (
    pair === 'cidr>inet' ||
    pair === 'xml>text' ||
    pair === 'xml>varchar' ||
    (pair === 'bit>varbit' && t.mods.length === 0)
  )
    return 'no-rewrite';
  if ((pair === 'timestamp>timestamptz' || pair === 'timestamptz>timestamp') && pgVersion >= 12) return 'utc';
  return 'rewrite';
}

const TYPE_ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  character: 'char',
  bpchar: 'char',
  integer: 'int4',
  int: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  real: 'float4',
  'double precision': 'float8',
  decimal: 'numeric',
  boolean: 'bool',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  'bit varying': 'varbit',
};

function parseType(t: string): { base: string; mods: number[]; array: boolean } {
  let s = t
    .trim()
    .toLowerCase()
    .replace(/^pg_catalog\./, '');
  const array = /\[\]$/.test(s);
  s = s.replace(/(\[\])+$/, '');
  // 'timestamp(3) with time zone' → base 'timestamp with time zone', mods [3]
  const mods: number[] = [];
  s = s.replace(/\(([\d,\s]+)\)/, (_, m: string) => {
    mods.push(...m.split(',').map((x) => Number(x.trim())));
    return '';
  });
  s = s.replace(/\s+/g, ' ').trim();
  return { base: TYPE_ALIASES[s] ?? s, mods, array };
}

const INTEGER_WIDTH: Record<string, number> = { int2: 2, int4: 4, int8: 8 };
const FLOATS = new Set(['float4', 'float8']);
const TEXTS = new Set(['text', 'varchar', 'char', 'citext']);
const TIMES = ['date', 'timestamp', 'timestamptz'];

/**
 * Whether casting every value of a `from` column to `to` can lose data: 'yes' for a narrowing (a
 * smaller integer, fewer characters or digits, a float or numeric to an integer, a timestamp to a
 * date, any type to a narrower text), 'no' for a widening or a binary-coercible change, 'maybe'
 * when the old type is unknown or the two types are of different families.
 */
export function lossyTypeChange(from: string | undefined, to: string): 'yes' | 'no' | 'maybe' {
  if (!from) return 'maybe';
  const f = parseType(from);
  const t = parseType(to);
  if (f.array !== t.array) return 'maybe';
  if (typeChange(from, to, 99) === 'no-rewrite') return 'no';
  if (f.base in INTEGER_WIDTH && t.base in INTEGER_WIDTH)
    return INTEGER_WIDTH[t.base] < INTEGER_WIDTH[f.base] ? 'yes' : 'no';
  if (f.base in INTEGER_WIDTH && (t.base === 'numeric' || t.base === 'float8' || TEXTS.has(t.base)))
    return t.mods.length && t.base !== 'numeric' ? 'maybe' : 'no';
  if ((FLOATS.has(f.base) || f.base === 'numeric') && t.base in INTEGER_WIDTH) return 'yes';
  if (f.base === 'float8' && t.base === 'float4') return 'yes';
  if (f.base === 'numeric' && t.base === 'numeric') {
    if (!t.mods.length) return 'no';
    if (!f.mods.length) return 'yes';
    return t.mods[0] - (t.mods[1] ?? 0) < f.mods[0] - (f.mods[1] ?? 0) || (t.mods[1] ?? 0) < (f.mods[1] ?? 0)
      ? 'yes'
      : 'no';
  }
  if (TEXTS.has(t.base) && t.base !== 'text' && t.mods.length) {
    // to varchar(n) / char(n): anything longer than n is cut (or the cast fails)
    if (TEXTS.has(f.base) && f.mods.length && f.base !== 'text') return t.mods[0] < f.mods[0] ? 'yes' : 'no';
    return 'yes';
  }
  if (TEXTS.has(t.base)) return 'no';
  if (TIMES.includes(f.base) && TIMES.includes(t.base))
    return TIMES.indexOf(t.base) < TIMES.indexOf(f.base) || f.base === 'timestamptz' ? 'yes' : 'no';
  return 'maybe';
}
