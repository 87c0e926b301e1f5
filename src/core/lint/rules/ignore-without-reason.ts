import type { RuleMeta } from '../types';

// Reported by the engine itself (see engine.ts); this file gives the rule its identity and docs.
export const meta: RuleMeta = {
  id: 'ignore-without-reason',
  description: 'A pgshift-ignore comment without a reason after a colon',
  defaultSeverity: 'warning',
  category: 'meta',
  fixable: 'none',
  kinds: [],
};
