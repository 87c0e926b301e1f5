/**
 * The lock timeline of one migration as an SVG: statements along time on the first lane, then one
 * lane per relation with a bar for each lock, from the statement that takes it to the end of its
 * transaction, coloured by what it blocks (red: reads and writes, orange: writes, blue: schema
 * changes, grey: nothing). Text uses currentColor and the colours carry classes, so a page's theme
 * can restyle it; the presentation attributes keep it readable on its own. Pure string building:
 * also used in the browser bundle.
 */
import type { Blocks, MigrationReport } from './model';

const W = 760;
const LABEL = 180;
const RIGHT = 16;
const LANE = 22;
const TOP = 30;

export const BLOCK_COLORS: Record<Blocks, { cls: string; fill: string; label: string }> = {
  'reads-writes': { cls: 'lk-rw', fill: '#d1242f', label: 'blocks reads and writes' },
  writes: { cls: 'lk-w', fill: '#d4820c', label: 'blocks writes' },
  'schema-changes': { cls: 'lk-s', fill: '#2f81f7', label: 'blocks schema changes only' },
  nothing: { cls: 'lk-n', fill: '#8c959f', label: 'blocks nothing' },
};

const STRENGTH: Record<Blocks, number> = { nothing: 0, 'schema-changes': 1, writes: 2, 'reads-writes': 3 };

export function timelineSvg(m: MigrationReport): string {
  const stmts = m.statements;
  const timed = stmts.length > 0 && stmts.every((s) => s.estimatedSeconds !== null && s.startsAt !== null);
  // without estimates each statement gets one slot, so the order and the lock spans still read
  const start = (i: number): number => (timed ? stmts[i].startsAt! : i);
  const dur = (i: number): number => (timed ? stmts[i].estimatedSeconds! : 1);
  const hold = (i: number): number => (timed ? (stmts[i].lockHoldSeconds ?? dur(i)) : holdSlots(m, i));
  const total = Math.max(
    stmts.length ? Math.max(...stmts.map((_, i) => start(i) + Math.max(dur(i), hold(i)))) : 1,
    1e-3,
  );
  const plot = W - LABEL - RIGHT;
  const x = (t: number): number => LABEL + (t / total) * plot;
  const width = (t: number): number => Math.max((t / total) * plot, 2);

  const relations: { name: string; isNew: boolean; strongest: number }[] = [];
  for (const s of stmts) {
    for (const l of s.locks) {
      const r = relations.find((x) => x.name === l.relation);
      if (r) r.strongest = Math.max(r.strongest, STRENGTH[l.blocks]);
      else relations.push({ name: l.relation, isNew: !!l.isNew, strongest: STRENGTH[l.blocks] });
    }
  }
  relations.sort(
    (a, b) => Number(a.isNew) - Number(b.isNew) || b.strongest - a.strongest || a.name.localeCompare(b.name),
  );
  const lanes = 1 + relations.length;
  const height = TOP + lanes * LANE + 40;
  const out: string[] = [];
  const title = `Lock timeline of ${m.version} ${m.name}`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="pgshift-timeline" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(title)}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
  );

  // time axis
  out.push(`<g class="axis" fill="currentColor" stroke="currentColor">`);
  out.push(`<line x1="${LABEL}" y1="${TOP - 8}" x2="${W - RIGHT}" y2="${TOP - 8}" stroke-opacity="0.4"/>`);
  for (const t of ticks(total, timed)) {
    const tx = x(t.at).toFixed(1);
    out.push(
      `<line x1="${tx}" y1="${TOP - 12}" x2="${tx}" y2="${TOP + lanes * LANE}" stroke-opacity="0.12"/>`,
    );
    out.push(`<text x="${tx}" y="${TOP - 14}" text-anchor="middle" stroke="none">${esc(t.label)}</text>`);
  }
  out.push(
    `<text x="4" y="${TOP - 14}" stroke="none" font-weight="600">${timed ? 'time' : 'statement order (no estimate)'}</text>`,
  );
  out.push(`</g>`);

  // statements lane
  const y0 = TOP;
  out.push(`<text x="4" y="${y0 + 15}" fill="currentColor">statements</text>`);
  stmts.forEach((s, i) => {
    const bx = x(start(i));
    const bw = width(dur(i));
    const est = s.estimatedSeconds !== null ? ` — about ${fmt(s.estimatedSeconds)}` : '';
    out.push(
      `<g class="stmt"><rect x="${bx.toFixed(1)}" y="${y0 + 3}" width="${bw.toFixed(1)}" height="${LANE - 6}" rx="2" fill="currentColor" fill-opacity="${i % 2 ? 0.28 : 0.18}" stroke="currentColor" stroke-opacity="0.5" stroke-width="0.5"><title>${esc(`#${i + 1} line ${s.line}: ${s.summary}${est}`)}</title></rect>` +
        (bw > 18
          ? `<text x="${(bx + bw / 2).toFixed(1)}" y="${y0 + 15}" text-anchor="middle" fill="currentColor">${i + 1}</text>`
          : '') +
        `</g>`,
    );
  });

  // one lane per relation
  relations.forEach((r, lane) => {
    const y = TOP + (lane + 1) * LANE;
    out.push(
      `<text x="4" y="${y + 15}" fill="currentColor"${r.isNew ? ' fill-opacity="0.6"' : ''}>${esc(truncate(r.name, 24))}${r.isNew ? ' (new)' : ''}</text>`,
    );
    const bars: { i: number; blocks: Blocks; mode: string; why: string }[] = [];
    stmts.forEach((s, i) => {
      for (const l of s.locks)
        if (l.relation === r.name) bars.push({ i, blocks: l.blocks, mode: l.mode, why: l.why });
    });
    // weaker locks first, so the strongest is drawn on top
    bars.sort((a, b) => STRENGTH[a.blocks] - STRENGTH[b.blocks]);
    for (const b of bars) {
      const c = BLOCK_COLORS[b.blocks];
      const h = hold(b.i);
      const tip = `${b.mode} on ${r.name} — ${c.label}${timed ? ` for about ${fmt(h)}` : ''} (statement #${b.i + 1}, line ${stmts[b.i].line}${timed && h > dur(b.i) + 1e-9 ? ', held until COMMIT' : ''}): ${b.why}`;
      out.push(
        `<rect class="lock ${c.cls}" x="${x(start(b.i)).toFixed(1)}" y="${y + 4}" width="${width(h).toFixed(1)}" height="${LANE - 8}" rx="2" fill="${c.fill}"${r.isNew ? ' fill-opacity="0.35"' : ''}><title>${esc(tip)}</title></rect>`,
      );
    }
  });

  // legend
  const ly = TOP + lanes * LANE + 22;
  let lx = 4;
  for (const b of ['reads-writes', 'writes', 'schema-changes', 'nothing'] as Blocks[]) {
    const c = BLOCK_COLORS[b];
    out.push(
      `<rect class="${c.cls}" x="${lx}" y="${ly - 9}" width="12" height="10" rx="2" fill="${c.fill}"/>`,
    );
    out.push(`<text x="${lx + 16}" y="${ly}" fill="currentColor">${esc(c.label)}</text>`);
    lx += 30 + c.label.length * 6;
  }
  out.push(`</svg>`);
  return out.join('\n');
}

/** Without estimates: a lock in a transaction spans the slots up to the end of that transaction. */
function holdSlots(m: MigrationReport, i: number): number {
  const s = m.statements[i];
  if (!s.inTransaction) return 1;
  let end = i + 1;
  while (end < m.statements.length && m.statements[end].inTransaction) end++;
  return end - i;
}

function ticks(total: number, timed: boolean): { at: number; label: string }[] {
  if (!timed) return [];
  const steps = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
    3600, 7200, 14400,
  ];
  const step = steps.find((s) => total / s <= 6) ?? total / 6;
  const out: { at: number; label: string }[] = [];
  for (let t = 0; t <= total + 1e-9; t += step) out.push({ at: t, label: fmt(t) });
  return out;
}

function fmt(s: number): string {
  if (s === 0) return '0';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 1 : 0))} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 >= 1 ? ` ${Math.round(s % 60)} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
