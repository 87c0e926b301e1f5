/**
 * PostgreSQL's table-level lock modes and what each one makes other sessions wait for. Rules name the
 * lock in their messages; the report and the dry run use the conflict table to say what queues behind
 * a statement.
 */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

// From the table "Conflicting Lock Modes" in the PostgreSQL manual (explicit-locking.html).
const CONFLICTS: Record<LockMode, LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': [
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': [
    'ROW EXCLUSIVE',
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  EXCLUSIVE: [
    'ROW SHARE',
    'ROW EXCLUSIVE',
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
  ],
  'ACCESS EXCLUSIVE': [...LOCK_MODES],
};

export function conflicts(held: LockMode, wanted: LockMode): boolean {
  return CONFLICTS[held].includes(wanted);
}

/** SELECT takes ACCESS SHARE; INSERT/UPDATE/DELETE take ROW EXCLUSIVE. */
export function blocksReads(mode: LockMode): boolean {
  return conflicts(mode, 'ACCESS SHARE');
}
export function blocksWrites(mode: LockMode): boolean {
  return conflicts(mode, 'ROW EXCLUSIVE');
}

/** What other sessions can no longer do while the lock is held. */
export type Blocks = 'reads-writes' | 'writes' | 'schema-changes' | 'nothing';

export function blocksOf(mode: LockMode): Blocks {
  if (blocksReads(mode)) return 'reads-writes';
  if (blocksWrites(mode)) return 'writes';
  if (mode === 'SHARE UPDATE EXCLUSIVE') return 'schema-changes';
  return 'nothing';
}

/** The report's short phrase for what a lock blocks. */
export function describeBlocks(b: Blocks): string {
  switch (b) {
    case 'reads-writes':
      return 'blocks reads and writes';
    case 'writes':
      return 'blocks writes; reads continue';
    case 'schema-changes':
      return 'blocks schema changes, VACUUM and ANALYZE; reads and writes continue';
    case 'nothing':
      return 'blocks no reads or writes';
  }
}

/** The linter's and the run output's longer phrase for what a lock blocks. */
export function whatItBlocks(mode: LockMode): string {
  switch (blocksOf(mode)) {
    case 'reads-writes':
      return 'blocks reads and writes';
    case 'writes':
      return 'blocks writes (INSERT, UPDATE, DELETE); reads continue';
    case 'schema-changes':
      return 'blocks other schema changes, VACUUM and ANALYZE; reads and writes continue';
    case 'nothing':
      return 'blocks only stronger locks; reads and writes continue';
  }
}

export function strongerLock(a: LockMode, b: LockMode): LockMode {
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

/** Accepts pg_locks spellings too ('AccessExclusiveLock'). */
export function normalizeLockMode(mode: string): LockMode | undefined {
  const spaced = mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(spaced) ? (spaced as LockMode) : undefined;
}
