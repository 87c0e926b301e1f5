import type { RuleMeta } from '../types';

// Reported by the engine itself (see engine.ts); this file gives the rule its identity and docs.
export const meta: RuleMeta = {
  id: 'syntax-error',
  description: 'A statement PostgreSQL cannot parse; the migration would fail when it reaches it',
  defaultSeverity: 'error',
  category: 'meta',
  fixable: 'none',
  kinds: [],
};
