/** Output of up / down / redo and of their dry runs, as text for people and JSON for tools. */
import { LOCK_MODES, whatItBlocks, type LockMode } from '../core/pg/lock-modes';
import type { DryRunReport, RunResult } from '../core/runner';
import { QUERY_CANCELED } from '../core/sqlstate';
import { fmtBytes, ms, oneLineSql, outsideTransactionNote } from '../core/text';
import type { Io } from './io';
import { shownPath, type RunnerContext } from './runner-cli';

/** Prints the outcome and returns the exit code: 0 when every step ran, 1 otherwise. */
export function renderRun(
  result: RunResult,
  ctx: RunnerContext,
  io: Io,
  extra: Record<string, unknown> = {},
): number {
  if (ctx.format === 'json') {
    io.out(
      JSON.stringify(
        {
          ok: result.ok,
          migrations: result.steps.map((s) => ({
            version: s.version,
            name: s.name,
            direction: s.direction,
            outcome: s.outcome,
            durationMs: s.durationMs,
            attempts: s.attempts,
          })),
          failure: result.failure
            ? {
                version: result.failure.version,
                name: result.failure.name,
                direction: result.failure.direction,
                error: result.failure.error,
                code: result.failure.code ?? null,
                file: result.failure.file,
                line: result.failure.line ?? null,
                statement: result.failure.statement ?? null,
                rolledBack: result.failure.rolledBack,
                invalidIndexes: result.failure.invalidIndexes,
                nextStep: result.failure.nextStep,
              }
            : null,
          warnings: result.warnings,
          ...extra,
        },
        null,
        2,
      ) + '\n',
    );
    return result.ok ? 0 : 1;
  }
  const f = result.failure;
  if (f) {
    const where = `${shownPath(f.file, io.cwd)}${f.line ? `:${f.line}` : ''}`;
    const what = f.error === 'cancelled by the user' ? 'was cancelled' : 'failed';
    io.err(
      `pgshift ${result.command}: error: ${f.version} (${f.name}) ${f.direction === 'down' ? 'down ' : ''}${what} at ${where}: ${f.error}${f.code && f.code !== QUERY_CANCELED ? ` (SQLSTATE ${f.code})` : ''}\n`,
    );
    if (f.statement) io.err(`  statement: ${oneLineSql(f.statement, 200, { keepTrailingComment: true })}\n`);
    for (const i of f.invalidIndexes)
      io.err(`  invalid index left behind: ${i.schema}.${i.name} on ${i.table}\n`);
    io.err(`  next: ${f.nextStep}\n`);
    return 1;
  }
  if (!result.ok) {
    io.err(
      `pgshift ${result.command}: stopped after ${result.steps.length} of ${result.planned} migrations (cancelled)\n`,
    );
    return 1;
  }
  if (result.planned === 0) {
    io.out(
      result.command === 'up' ? 'nothing to apply: the database is up to date\n' : 'nothing to roll back\n',
    );
    return 0;
  }
  const total = result.steps.reduce((a, s) => a + s.durationMs, 0);
  const verb = result.command === 'up' ? 'applied' : result.command === 'down' ? 'rolled back' : 'redid';
  const n = result.command === 'redo' ? 1 : result.steps.length;
  io.out(`${verb} ${n} migration${n === 1 ? '' : 's'} in ${ms(total)}\n`);
  return 0;
}

export function renderDryRun(report: DryRunReport, ctx: RunnerContext, io: Io): number {
  if (ctx.format === 'json') {
    const migrations = report.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      statements: m.statements.map((s) => ({
        line: s.line,
        sql: s.sql,
        durationMs: s.durationMs,
        locks: s.locks,
        rewrites: s.rewrites,
        rows: s.rows,
        ...(s.skipped !== undefined ? { skipped: s.skipped } : {}),
        ...(s.error !== undefined ? { error: s.error } : {}),
      })),
      ...(m.backup ? { backup: m.backup } : {}),
    }));
    io.out(JSON.stringify({ migrations }, null, 2) + '\n');
    return report.ok ? 0 : 1;
  }
  io.out(`dry run of ${report.direction} on ${ctx.target.description}: everything below was rolled back\n`);
  for (const w of report.warnings) io.out(`warning: ${w}\n`);
  if (!report.migrations.length)
    io.out(
      report.direction === 'up'
        ? '\nnothing to apply: the database is up to date\n'
        : '\nnothing to roll back\n',
    );
  for (const m of report.migrations) {
    io.out(
      `\n${m.version} ${m.name}${m.direction === 'down' ? ' (down)' : ''}${outsideTransactionNote(m)}\n`,
    );
    if (m.backup)
      io.out(
        `  backup first: ${m.backup.objects.map((o) => o.what).join(', ')} into ${ctx.backup.schema} (≈ ${fmtBytes(m.backup.bytes)}, ≈ ${m.backup.seconds} s)\n`,
      );
    if (!m.statements.length) io.out('  (empty: nothing to run)\n');
    for (const s of m.statements) {
      const head = `  line ${String(s.line).padEnd(4)} ${oneLineSql(s.sql, 90, { keepTrailingComment: true })}`;
      io.out(`${head}${s.durationMs != null ? `  ${ms(s.durationMs)}` : ''}\n`);
      if (s.skipped) io.out(`             not executed: ${s.skipped}\n`);
      if (s.error) io.out(`             FAILED: ${s.error}\n`);
      for (const l of s.locks) {
        const known = (LOCK_MODES as readonly string[]).includes(l.mode);
        const effect = l.created
          ? 'new object: blocks no one'
          : known
            ? whatItBlocks(l.mode as LockMode)
            : '';
        io.out(`             lock ${l.mode} on ${l.relation}${effect ? ` — ${effect}` : ''}\n`);
      }
      for (const r of s.rewrites) io.out(`             rewrites ${r.kind} ${r.relation}\n`);
      if (s.batch) {
        const n = (x: number): string => x.toLocaleString('en-US');
        io.out(
          `             batched by ${s.batch.key}: would touch ${n(s.batch.total)} rows in about ${n(s.batch.batches)} batches (size=${s.batch.size}), each its own transaction; estimated ${ms(s.batch.estimatedMs)} from this sample batch\n`,
        );
      }
      if (s.rows != null) io.out(`             rows ${s.rows}${s.batch ? ' (the sample batch)' : ''}\n`);
    }
  }
  if (report.restoredSequences.length)
    io.out(`\nsequences set back after the rollback: ${report.restoredSequences.join(', ')}\n`);
  if (!report.ok) {
    io.err(
      `pgshift ${report.direction}: the dry run stopped at a failing statement (see FAILED above); nothing was changed\n`,
    );
    return 1;
  }
  return 0;
}
