import { phaseDirectives } from '../../sql/directives';
import { splitStatements } from '../../sql/splitter';
import type { Rule, RuleMeta } from '../types';

export const meta: RuleMeta = {
  id: 'phase-directive',
  description:
    'A -- pgshift:phase directive that status and up cannot read: an unknown phase, no group, bad words, or two in one file',
  defaultSeverity: 'error',
  category: 'correctness',
  fixable: 'none',
  kinds: [],
};

const HELP = [
  '`-- pgshift:phase expand|backfill|validate|contract group=<name>` marks a migration as one phase of an expand/contract change ' +
    '(`pgshift expand` writes them). `pgshift status` groups the phases ("expand applied, contract pending") and ' +
    '`pgshift up` holds a contract back until its expand has been applied for `zeroDowntime.minSoak`.',
  '',
  'A directive it cannot read is ignored by status and up, so the contract would not wait: fix its words.',
].join('\n');

export const checkFile: Rule['checkFile'] = (ctx) => {
  if (!/pgshift:phase/i.test(ctx.source.text)) return;
  const found = phaseDirectives(splitStatements(ctx.source.bytes).comments);
  found.forEach((d, i) => {
    const range = { start: d.start, end: d.end };
    if (d.error) ctx.report({ range, message: `pgshift:phase: ${d.error}`, help: HELP });
    else if (i > 0)
      ctx.report({
        range,
        message:
          'pgshift:phase: a second phase directive in one migration: a migration is one phase, keep one',
        help: HELP,
      });
  });
};
