import { describeProgress, progressText, status } from '../../core/runner';
import type { Command } from '../command';
import { describeChoice } from '../../core/migrations/choose';
import { codeStatusCommand } from '../code-status';
import { ms, outsideTransactionNote } from '../../core/text';
import { RUNNER_OPTIONS, shownPath, table, TARGET_USAGE, when, withRunnerContext } from '../runner-cli';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show every migration and its state on the database (applied, pending, failed, modified, ...)',
  usage: `pgshift status [--db URL | --env NAME] [--dir D] [--format text|json]

  ${TARGET_USAGE}`,
  options: RUNNER_OPTIONS,
  async run({ values }, io) {
    return withRunnerContext(values, io, {}, async (ctx) => {
      if (ctx.code) return codeStatusCommand(ctx, io);
      const report = await status({ driver: ctx.driver, set: ctx.set, settings: ctx.settings });
      if (ctx.format === 'json') {
        const migrations = report.migrations.map((m) => ({
          version: m.version,
          name: m.name,
          state: m.state,
          appliedAt: m.appliedAt,
          executionMs: m.executionMs,
          ...(m.progress ? { progress: m.progress } : {}),
          ...(m.phase ? { phase: m.phase, group: m.group } : {}),
        }));
        const tools = ctx.migrations.detected.map((t) => ({
          tool: t.tool,
          dir: t.dir,
          layout: t.layout ?? null,
          reasons: t.reasons,
          chosen: t === ctx.migrations.chosen,
        }));
        const groups = report.groups.map((g) => ({ group: g.group, phases: g.phases }));
        io.out(
          JSON.stringify({ layout: ctx.set.layout, dir: ctx.set.dir, tools, migrations, groups }, null, 2) +
            '\n',
        );
        return 0;
      }
      io.out(
        `target      ${ctx.target.description} (${ctx.target.source})${ctx.driver ? '' : ' — not created yet'}\n`,
      );
      io.out(
        `migrations  ${shownPath(ctx.set.dir, io.cwd)} (${ctx.set.layout}, ${ctx.set.migrations.length})\n`,
      );
      io.out(`tracking    ${report.tracking.join(' + ')}\n`);
      for (const line of describeChoice(ctx.migrations, (p) => shownPath(p, io.cwd)))
        io.out(`            ${line}\n`);
      io.out('\n');
      if (!report.migrations.length) io.out('no migrations yet: create one with `pgshift new <name>`\n');
      else {
        const rows = report.migrations.map((m) => [
          m.version || 'R',
          m.name,
          m.progress ? `${m.state} ${progressText(m)}` : m.state,
          when(m.appliedAt),
          ms(m.executionMs),
          ...(report.groups.length ? [m.phase ? `${m.phase} ${m.group}` : ''] : []),
        ]);
        const head = ['VERSION', 'NAME', 'STATE', 'APPLIED AT', 'TIME'];
        io.out(table(report.groups.length ? [...head, 'PHASE'] : head, rows));
      }
      if (report.groups.length) io.out(`\n${report.groups.map((g) => g.text + '\n').join('')}`);
      for (const m of report.migrations)
        if (m.onlyNonTransactional && m.state === 'pending')
          io.out(`\n${m.version} ${m.name}${outsideTransactionNote(m)}\n`);
      const counts = new Map<string, number>();
      for (const m of report.migrations) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
      if (counts.size) io.out(`\n${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
      if (report.runInProgress) io.out('a migration run is in progress on this database right now\n');
      for (const m of report.migrations) {
        if (m.state === 'failed') {
          const f = m.failure;
          io.out(
            `\n${m.version} ${m.name} ${f?.interrupted ? 'was interrupted' : 'failed'}${f?.line ? ` at line ${f.line}` : ''}${f?.error ? `: ${f.error}` : ''}\n` +
              `  next: pgshift resolve ${m.version} --applied   (its changes are all in the database)\n` +
              `    or: pgshift resolve ${m.version} --rolled-back   (after undoing what it did)\n`,
          );
        } else if ((m.state === 'partial' || m.state === 'running') && m.progress) {
          io.out(
            `\n${m.version} ${m.name} ${m.state === 'running' ? 'is running' : 'stopped partway'}: ${describeProgress(m)}\n` +
              (m.state === 'partial'
                ? `  next: pgshift ${m.progress.direction}   (continues from the checkpoint; nothing is done twice)\n`
                : ''),
          );
        } else if (m.state === 'modified') {
          io.out(
            `\n${m.version} ${m.name} was edited after it was applied: restore ${m.file ? shownPath(m.file, io.cwd) : 'the file'} and put the change in a new migration\n`,
          );
        }
      }
      for (const i of report.invalidIndexes)
        io.out(`\ninvalid index ${i.schema}.${i.name} on ${i.table}: ${i.drop}\n`);
      for (const p of report.problems.filter((x) => x.severity !== 'info'))
        io.out(`${p.severity}: ${p.message}\n`);
      return 0;
    });
  },
};
