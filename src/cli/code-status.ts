/** `pgshift status` and `pgshift history` for a code-based tool's project: its migrations and its table, read only. */
import { codeStatusReport } from '../core/frameworks/project';
import { TOOL_TITLES } from '../core/frameworks/model';
import type { Io } from './io';
import { shownPath, table, type RunnerContext } from './runner-cli';

/** A table's time (no zone: as the tool stored it) for a terminal. */
function shownTime(t: string | null): string {
  return t ? t.replace('T', ' ').replace(/\.\d+$/, '') : '';
}

export async function codeStatusCommand(ctx: RunnerContext, io: Io): Promise<number> {
  const code = ctx.code!;
  const d = code.detection;
  const report = await codeStatusReport(ctx.driver, d);
  if (ctx.format === 'json') {
    io.out(
      JSON.stringify(
        {
          framework: { tool: d.tool, reasons: d.reasons, dirs: d.dirs, table: report.snapshot.table },
          command: report.command,
          migrations: report.rows.map((r) => ({
            key: r.key,
            name: r.label,
            state: r.state,
            appliedAt: r.appliedAt,
            ...(r.batch !== undefined ? { batch: r.batch } : {}),
            ...(r.file ? { file: r.file } : {}),
          })),
          ...(report.snapshot.environment ? { environment: report.snapshot.environment } : {}),
          ...(report.set.heads ? { heads: report.set.heads } : {}),
          ...(report.set.superseded?.length ? { superseded: report.set.superseded.map((m) => m.key) } : {}),
          problems: report.set.problems,
          ...(code.others.length
            ? { alsoFound: code.others.map((o) => ({ tool: o.tool, reasons: o.reasons })) }
            : {}),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const title = TOOL_TITLES[d.tool];
  io.out(
    `target      ${ctx.target.description} (${ctx.target.source})${ctx.driver ? '' : ' — not created yet'}\n`,
  );
  io.out(`framework   ${title}: ${d.reasons.join('; ')}\n`);
  io.out(
    `migrations  ${d.dirs.map((x) => shownPath(x, io.cwd)).join(', ')} (${report.set.migrations.length})\n`,
  );
  io.out(
    `tracking    ${report.snapshot.table}${report.snapshot.exists ? '' : ' (not created yet: nothing applied)'}, read only: \`${report.command}\` applies\n`,
  );
  if (report.snapshot.environment)
    io.out(`environment ${report.snapshot.environment} (ar_internal_metadata)\n`);
  for (const o of code.others)
    io.out(
      `also found  ${TOOL_TITLES[o.tool]}: ${o.reasons.join('; ')} (set "layout": "${o.tool}" to use it)\n`,
    );
  io.out('\n');
  if (!report.rows.length) io.out(`no ${title} migrations yet\n`);
  else {
    const withBatch = report.rows.some((r) => r.batch !== undefined);
    const rows = report.rows.map((r) => [
      r.label,
      r.state,
      shownTime(r.appliedAt),
      ...(withBatch ? [r.batch === undefined ? '' : String(r.batch)] : []),
    ]);
    io.out(table(['MIGRATION', 'STATE', 'APPLIED AT', ...(withBatch ? ['BATCH'] : [])], rows));
  }
  const counts = new Map<string, number>();
  for (const r of report.rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  if (counts.size) io.out(`\n${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
  if (report.snapshot.locked)
    io.out(`${report.snapshot.table}_lock is locked: a Knex run is in progress (or died holding it)\n`);
  if (report.set.heads && report.set.heads.length > 1) io.out(`heads: ${report.set.heads.join(', ')}\n`);
  if (report.rows.some((r) => r.state === 'pending')) io.out(`next: \`${report.command}\`\n`);
  const unknown = report.rows.filter((r) => r.state === 'unknown-in-db');
  if (unknown.length)
    io.out(
      `${unknown.length} row(s) of ${report.snapshot.table} name no migration file: deleted or renamed files, or another branch's migrations\n`,
    );
  for (const p of report.set.problems) io.out(`${p.severity}: ${shownPath(p.file, io.cwd)}: ${p.message}\n`);
  return 0;
}

export async function codeHistoryCommand(ctx: RunnerContext, io: Io): Promise<number> {
  const d = ctx.code!.detection;
  const report = await codeStatusReport(ctx.driver, d);
  const timed = report.rows.filter((r) => r.appliedAt && r.state !== 'pending');
  timed.sort((a, b) => (a.appliedAt! < b.appliedAt! ? -1 : a.appliedAt! > b.appliedAt! ? 1 : 0));
  if (ctx.format === 'json') {
    io.out(
      JSON.stringify(
        {
          table: report.snapshot.table,
          history: timed.map((r) => ({
            key: r.key,
            name: r.label,
            appliedAt: r.appliedAt,
            ...(r.batch !== undefined ? { batch: r.batch } : {}),
          })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const title = TOOL_TITLES[d.tool];
  if (!report.snapshot.exists) {
    io.out(
      `${report.snapshot.table} does not exist on ${ctx.target.description}: ${title} has applied nothing there\n`,
    );
    return 0;
  }
  if (!timed.length) {
    io.out(
      `${report.snapshot.table} keeps no times (${title} records only what is applied): \`pgshift status\` lists it\n`,
    );
    return 0;
  }
  const withBatch = timed.some((r) => r.batch !== undefined);
  io.out(
    table(
      ['APPLIED AT', 'MIGRATION', ...(withBatch ? ['BATCH'] : [])],
      timed.map((r) => [shownTime(r.appliedAt), r.label, ...(withBatch ? [String(r.batch ?? '')] : [])]),
    ),
  );
  io.out(
    `\nfrom ${report.snapshot.table}: ${title} keeps one row per applied migration, not every attempt\n`,
  );
  return 0;
}
