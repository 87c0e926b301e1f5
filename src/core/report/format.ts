/** Numbers for people: '1 234 567' rows, '507 MB', '3.1 %'. */

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
}

export function fmtBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = b / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

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
