/** Numbers for people: '1 234 567' rows, '507 MB', '3.1 %'. */

export { fmtBytes, fmtInt } from '../text';

/** '"my schema".orders' → ['my schema', 'orders'] */
export function splitQualified(q: string): [string | undefined, string] {
  const parts = q.match(/"(?:[^"]|"")*"|[^.]+/g) ?? [q];
  const un = parts.map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p));
  return un.length > 1 ? [un[0], un[1]] : [undefined, un[0]];
}

export function pct(part: number, whole: number): string {
  const p = (100 * part) / Math.max(whole, 1);
  return `${p >= 10 ? Math.round(p) : p.toFixed(p >= 1 ? 1 : 2)} %`;
}

export function round(x: number): number {
  if (x >= 100) return Math.round(x);
  if (x >= 1) return Math.round(x * 100) / 100;
  return Math.round(x * 10000) / 10000;
}
