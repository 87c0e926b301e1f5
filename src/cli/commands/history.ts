import { history } from '../../core/runner';
import { ms, oneLineSql } from '../../core/text';
import type { Command } from '../command';
import { codeHistoryCommand } from '../code-status';
import { positiveInt, RUNNER_OPTIONS, table, TARGET_USAGE, when, withRunnerContext } from '../runner-cli';

export const historyCommand: Command = {
  name: 'history',
  summary: 'Show every recorded attempt to apply, roll back or resolve a migration',
  usage: `pgshift history [--version V] [--limit N] [target options]

  --version V             only this migration
  --limit N               only the N newest attempts
  ${TARGET_USAGE}`,
  options: { ...RUNNER_OPTIONS, version: { type: 'string' }, limit: { type: 'string' } },
  async run({ values }, io) {
    const limit = positiveInt(values, 'limit');
    return withRunnerContext(values, io, {}, async (ctx) => {
      if (ctx.code) return codeHistoryCommand(ctx, io);
      const entries = await history({
        driver: ctx.driver,
        settings: ctx.settings,
        version: values.version as string | undefined,
        limit,
      });
      if (ctx.format === 'json') {
        io.out(JSON.stringify({ history: entries }, null, 2) + '\n');
        return 0;
      }
      if (!entries.length) {
        io.out(`no migration has been run by pgshift on ${ctx.target.description} yet\n`);
        return 0;
      }
      const rows = entries.map((e) => [
        String(e.id),
        e.version || 'R',
        e.name,
        e.direction === 'resolve' ? `resolve ${e.resolvedAs}` : e.direction,
        e.success === true ? 'ok' : e.success === false ? 'failed' : 'unfinished',
        when(e.startedAt),
        ms(e.executionMs),
        `${e.appliedBy}${e.osUser ? ` (${e.osUser}@${e.host ?? '?'})` : ''}`,
      ]);
      io.out(table(['ID', 'VERSION', 'NAME', 'ACTION', 'RESULT', 'STARTED', 'TIME', 'BY'], rows));
      const failures = entries.filter((e) => e.success === false && e.error);
      for (const e of failures.slice(-5)) {
        io.out(
          `\n#${e.id} ${e.version} ${e.name}: ${e.error}${e.errorLine ? ` (line ${e.errorLine})` : ''}\n`,
        );
        if (e.errorStatement)
          io.out(`  statement: ${oneLineSql(e.errorStatement, 200, { keepTrailingComment: true })}\n`);
        if (e.transactional) io.out('  (ran in a transaction: nothing of this attempt remained)\n');
      }
      return 0;
    });
  },
};
