import { redo } from '../../core/runner';
import type { Command } from '../command';
import { renderRun } from '../render-run';
import {
  interruptSignal,
  jsonProgress,
  RUNNER_OPTIONS,
  TARGET_USAGE,
  textProgress,
  withRunnerContext,
} from '../runner-cli';

export const redoCommand: Command = {
  name: 'redo',
  summary: 'Roll back the newest applied migration and apply it again',
  usage: `pgshift redo [--yes] [target options]

  ${TARGET_USAGE}`,
  options: RUNNER_OPTIONS,
  async run({ values }, io) {
    return withRunnerContext(values, io, { write: 'redo' }, async (ctx) => {
      const interrupt = interruptSignal();
      try {
        const onEvent = ctx.format === 'text' ? textProgress(io) : jsonProgress(io);
        return renderRun(
          await redo({
            driver: ctx.driver!,
            set: ctx.set,
            settings: ctx.settings,
            signal: interrupt.signal,
            onEvent,
          }),
          ctx,
          io,
        );
      } finally {
        interrupt.dispose();
      }
    });
  },
};
