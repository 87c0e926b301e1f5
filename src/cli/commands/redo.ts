import { redo } from '../../core/runner';
import type { Command } from '../command';
import { renderRun } from '../render-run';
import {
  BACKUP_OPTIONS,
  BACKUP_USAGE,
  RUNNER_OPTIONS,
  TARGET_USAGE,
  withRunnerContext,
  withRunnerInput,
} from '../runner-cli';

export const redoCommand: Command = {
  name: 'redo',
  summary: 'Roll back the newest applied migration and apply it again',
  usage: `pgshift redo [--yes] [target options]

  ${BACKUP_USAGE}
  ${TARGET_USAGE}`,
  options: { ...RUNNER_OPTIONS, ...BACKUP_OPTIONS },
  async run({ values }, io) {
    return withRunnerContext(values, io, { write: 'redo' }, async (ctx) => {
      return withRunnerInput(ctx, io, async (input) => renderRun(await redo(input), ctx, io));
    });
  },
};
