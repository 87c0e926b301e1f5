import { PgshiftError } from '../../core/errors';
import { fmtBytes, countText } from '../../core/text';
import { backups, describeObject, prune } from '../../core/runner';
import type { Command } from '../command';
import { RUNNER_OPTIONS, table, TARGET_USAGE, when, withRunnerContext } from '../runner-cli';

export const backupsCommand: Command = {
  name: 'backups',
  summary: 'List the backups of what migrations destroyed, or prune them (backups prune)',
  usage: `pgshift backups [prune] [target options]

  (no word)               list them, newest first: id, migration, what it holds, rows, size, verified
  prune                   remove those older than backup.retentionDays, then the oldest while the
                          archive is over backup.maxBytes; never the newest of a migration still applied
  ${TARGET_USAGE}`,
  options: RUNNER_OPTIONS,
  async run({ values, positionals }, io) {
    const sub = positionals[0];
    if (positionals.length > 1 || (sub !== undefined && sub !== 'prune'))
      throw new PgshiftError(`unknown subcommand: backups ${positionals.join(' ')}`, {
        hint: 'pgshift backups [prune]',
        exitCode: 2,
        code: 'usage',
      });
    if (sub === 'prune')
      return withRunnerContext(values, io, { write: 'prune' }, async (ctx) => {
        const r = await prune({
          driver: ctx.driver!,
          set: ctx.set,
          settings: ctx.settings,
          backup: ctx.backup,
        });
        if (ctx.format === 'json') io.out(JSON.stringify(r, null, 2) + '\n');
        else {
          for (const p of r.pruned)
            io.out(`pruned   backup ${p.id} of ${p.version}  ${fmtBytes(p.bytes)}  (${p.reason})\n`);
          io.out(`${r.pruned.length} pruned, ${r.kept} kept (${fmtBytes(r.bytes)})\n`);
        }
        return 0;
      });
    return withRunnerContext(values, io, {}, async (ctx) => {
      const list = await backups({ driver: ctx.driver, backup: ctx.backup });
      if (ctx.format === 'json') {
        const out = list.map((b) => ({
          id: b.id,
          version: b.version,
          name: b.name,
          direction: b.direction,
          historyId: b.historyId,
          createdAt: b.createdAt,
          verified: b.verified,
          restoredAt: b.restoredAt,
          file: b.file,
          objects: b.objects.map((o) => ({
            kind: o.kind,
            how: o.how,
            table: o.schema === 'public' ? o.table : `${o.schema}.${o.table}`,
            ...(o.column ? { column: o.column } : {}),
            rows: o.rows,
            bytes: o.bytes,
            archive: `${ctx.backup.schema}.${o.archiveTable}`,
          })),
        }));
        io.out(JSON.stringify({ backups: out }, null, 2) + '\n');
        return 0;
      }
      if (!list.length) {
        io.out(`no backups in ${ctx.backup.schema} on ${ctx.target.description}\n`);
        return 0;
      }
      const rows = list.map((b) => [
        String(b.id),
        b.version,
        b.name,
        b.direction,
        b.objects.map(describeObject).join('; '),
        countText(b.objects.reduce((n, o) => n + o.rows, 0)),
        fmtBytes(b.objects.reduce((n, o) => n + o.bytes, 0)),
        b.verified ? (b.restoredAt ? `restored ${when(b.restoredAt)}` : 'verified') : 'unfinished',
        when(b.createdAt),
      ]);
      io.out(table(['ID', 'VERSION', 'NAME', 'DIR', 'HOLDS', 'ROWS', 'SIZE', 'STATE', 'CREATED'], rows));
      return 0;
    });
  },
};
