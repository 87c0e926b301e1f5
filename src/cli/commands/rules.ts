import { allRules } from '../../core/lint/rules';
import { docsPath } from '../../core/lint/format';
import type { Command } from '../command';

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'List the lint rules with their default severity',
  usage: 'pgshift rules [--format text|json]',
  options: {},
  async run({ values }, io) {
    const rules = [...allRules].sort((a, b) => a.meta.id.localeCompare(b.meta.id));
    if (values.format === 'json') {
      io.out(
        JSON.stringify(
          rules.map((r) => ({ ...r.meta, docs: docsPath(r.meta.id) })),
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    const w = Math.max(...rules.map((r) => r.meta.id.length));
    // an opt-in rule is off until the config names it: say so, with the severity it then has
    const sev = (r: (typeof rules)[number]): string =>
      r.meta.optIn ? `off (opt-in: ${r.meta.defaultSeverity})` : r.meta.defaultSeverity;
    const sw = Math.max(...rules.map((r) => sev(r).length));
    for (const r of rules) io.out(`${r.meta.id.padEnd(w)}  ${sev(r).padEnd(sw)}  ${r.meta.description}\n`);
    return 0;
  },
};
