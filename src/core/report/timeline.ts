/**
 * When each statement starts and how long its locks are held. Inside a transaction every lock is
 * kept until COMMIT, so a lock taken by the first statement of a wrapped migration lasts as long as
 * the whole migration; outside one (-- pgshift:no-transaction) a lock lasts its own statement.
 */
import type { Blocks, MigrationReport, StatementReport } from './model';

/** Fills startsAt and lockHoldSeconds; `txIds[i]` identifies statement i's transaction (0 = none). */
export function computeTimeline(statements: StatementReport[], txIds: readonly number[]): void {
  // no estimate at all (no target): there is no time axis to place statements on
  if (statements.every((s) => s.estimatedSeconds === null)) return;
  let t = 0;
  const ends = new Map<number, number>();
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i];
    s.startsAt = round(t);
    t += s.estimatedSeconds ?? 0;
    if (txIds[i]) ends.set(txIds[i], t);
  }
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i];
    const end = txIds[i] ? ends.get(txIds[i])! : (s.startsAt ?? 0) + (s.estimatedSeconds ?? 0);
    s.lockHoldSeconds = s.estimatedSeconds === null ? null : round(end - (s.startsAt ?? 0));
  }
}

/** The relation kept locked against writes (or reads) the longest, among relations that already exist. */
export function longestBlock(statements: readonly StatementReport[]): MigrationReport['longestBlock'] {
  let best: MigrationReport['longestBlock'] = null;
  const rank = (b: Blocks): number => (b === 'reads-writes' ? 2 : b === 'writes' ? 1 : 0);
  for (const s of statements) {
    if (s.lockHoldSeconds === null) continue;
    for (const l of s.locks) {
      if (l.isNew || rank(l.blocks) === 0) continue;
      if (
        !best ||
        s.lockHoldSeconds > best.seconds ||
        (s.lockHoldSeconds === best.seconds && rank(l.blocks) > rank(best.blocks))
      ) {
        best = { relation: l.relation, seconds: s.lockHoldSeconds, blocks: l.blocks };
      }
    }
  }
  return best;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
