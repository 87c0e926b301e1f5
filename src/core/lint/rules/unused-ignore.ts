import type { RuleMeta } from '../types';

// Reported by the engine itself (see engine.ts); this file gives the rule its identity and docs.
export const meta: RuleMeta = {
  id: 'unused-ignore',
  description: 'A pgshift-ignore comment that silences nothing, or names an unknown rule',
  defaultSeverity: 'warning',
  category: 'meta',
  fixable: 'none',
  kinds: [],
};
