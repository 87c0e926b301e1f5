/**
 * The `-- pgshift:phase` marker of migrations, read for status (per migration and per group) and for up
 * (a contract waits until its group's expand has soaked for zeroDowntime.minSoak).
 */
import type { MigrationSet } from '../migrations/model';
import type { MigrationStatus } from '../runner/state';
import { phaseDirectives, type Phase } from '../sql/directives';
import { splitStatements } from '../sql/splitter';

export interface PhaseMark {
  phase: Phase;
  group: string;
}

/** The first readable phase directive of a script; cheap when it has none. */
export function phaseOf(sql: string): PhaseMark | undefined {
  if (!/pgshift:phase/i.test(sql)) return undefined;
  const d = phaseDirectives(splitStatements(Buffer.from(sql, 'utf8')).comments)[0];
  return d?.phase && d.group ? { phase: d.phase, group: d.group } : undefined;
}

export interface PhasedMigration {
  version: string;
  name: string;
  state: string;
  appliedAt: string | null;
  phase?: Phase;
  group?: string;
}

export interface GroupSummary {
  group: string;
  /** in migration order: "expand applied", "backfill pending", ... (one entry per phase) */
  phases: { phase: Phase; state: string }[];
  text: string;
}

/** Per group, the state of each phase: a phase is applied when all its migrations are, else the first other state. */
export function groupSummaries(migrations: readonly PhasedMigration[]): GroupSummary[] {
  const groups = new Map<string, Map<Phase, string[]>>();
  for (const m of migrations) {
    if (!m.phase || !m.group) continue;
    const g = groups.get(m.group) ?? new Map<Phase, string[]>();
    groups.set(m.group, g);
    g.set(m.phase, [...(g.get(m.phase) ?? []), m.state]);
  }
  return [...groups].map(([group, phases]) => {
    const list = [...phases].map(([phase, states]) => ({
      phase,
      state: states.every((s) => s === 'applied')
        ? 'applied'
        : (states.find((s) => s !== 'applied') ?? 'pending'),
    }));
    return { group, phases: list, text: `${group}: ${list.map((p) => `${p.phase} ${p.state}`).join(', ')}` };
  });
}

export interface SoakRefusal {
  version: string;
  name: string;
  group: string;
  /** ISO time the soak ends; null when the expand has not been applied yet */
  soakEndsAt: string | null;
  message: string;
}

/**
 * The contract migrations about to run whose group's expand was applied less than `minSoakMs` ago (or
 * is not applied, or runs in the same batch): the application may still be on the old code.
 */
export function unsoakedContracts(
  toRun: readonly { version: string; name: string; sql: string }[],
  all: readonly PhasedMigration[],
  minSoakMs: number,
  now: Date = new Date(),
): SoakRefusal[] {
  const out: SoakRefusal[] = [];
  for (const m of toRun) {
    const mark = phaseOf(m.sql);
    if (mark?.phase !== 'contract') continue;
    const expands = all.filter((x) => x.group === mark.group && x.phase === 'expand');
    if (!expands.length) continue; // a group without an expand (set-not-null) has nothing to soak
    const pending = expands.find((x) => x.state !== 'applied' || !x.appliedAt);
    if (pending) {
      out.push({
        version: m.version,
        name: m.name,
        group: mark.group,
        soakEndsAt: null,
        message: `${m.version} ${m.name} is the contract of ${mark.group}, whose expand ${pending.version} is not applied yet: the application has had no time on the new schema`,
      });
      continue;
    }
    const applied = Math.max(...expands.map((x) => Date.parse(x.appliedAt!)));
    const ends = applied + minSoakMs;
    if (ends > now.getTime())
      out.push({
        version: m.version,
        name: m.name,
        group: mark.group,
        soakEndsAt: new Date(ends).toISOString(),
        message: `${m.version} ${m.name} is the contract of ${mark.group}, whose expand was applied ${new Date(applied).toISOString()}: the soak (zeroDowntime.minSoak) ends ${new Date(ends).toISOString()}`,
      });
  }
  return out;
}

/** The phase and group of each migration whose up script carries `-- pgshift:phase`. */
export function withPhases(set: MigrationSet, migrations: MigrationStatus[]): MigrationStatus[] {
  const byFile = new Map(set.migrations.map((m) => [m.up.file, m]));
  return migrations.map((s) => {
    const m = s.file ? byFile.get(s.file) : undefined;
    const mark = m ? phaseOf(m.up.sql) : undefined;
    return mark ? { ...s, phase: mark.phase, group: mark.group } : s;
  });
}
