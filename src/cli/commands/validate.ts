import { lintOptionsFromConfig } from '../../core/lint/lint-files';
import { validate } from '../../core/runner';
import type { Command } from '../command';
import { RUNNER_OPTIONS, shownPath, TARGET_USAGE, withRunnerContext } from '../runner-cli';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check migrations against the database: checksums, order, missing files and downs, lint summary',
  usage: `pgshift validate [--no-lint] [target options]

  --no-lint               skip the lint summary
  ${TARGET_USAGE}

  Exit 0 when nothing is wrong, 1 when an applied migration was edited or deleted, a pending one is out
  of order, one failed, a file is unusable, or the linter reports an error.`,
  options: { ...RUNNER_OPTIONS, 'no-lint': { type: 'boolean' } },
  async run({ values }, io) {
    return withRunnerContext(values, io, {}, async (ctx) => {
      const lint = values['no-lint'] === true ? undefined : lintOptionsFromConfig(ctx.loaded.config);
      const report = await validate({ driver: ctx.driver, set: ctx.set, settings: ctx.settings, lint });
      if (ctx.format === 'json') {
        io.out(JSON.stringify(report, null, 2) + '\n');
        return report.ok ? 0 : 1;
      }
      for (const p of report.problems) {
        const where = p.file ? `${shownPath(p.file, io.cwd)}: ` : '';
        io.out(
          `${p.severity.padEnd(7)} ${p.kind.padEnd(13)} ${where && !p.message.includes(shownPath(p.file!, io.cwd)) ? where : ''}${p.message}\n`,
        );
      }
      if (!report.checkedDatabase)
        io.out('note: no database yet, so checksums and order were not checked against one\n');
      if (report.lint) {
        const l = report.lint;
        const top = l.rules
          .slice(0, 5)
          .map((r) => `${r.rule} ×${r.count}`)
          .join(', ');
        io.out(
          `lint: ${l.files} files, ${l.errors} errors, ${l.warnings} warnings, ${l.infos + l.hints} notes${top ? ` (${top})` : ''}; details: pgshift lint\n`,
        );
      }
      const errors =
        report.problems.filter((p) => p.severity === 'error').length + (report.lint?.errors ?? 0);
      io.out(
        report.ok ? `ok: ${report.migrations} migrations\n` : `${errors} error${errors === 1 ? '' : 's'}\n`,
      );
      return report.ok ? 0 : 1;
    });
  },
};
