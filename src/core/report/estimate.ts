/**
 * How long each statement will take on the target, and how long it holds its lock. Three sources,
 * best first:
 *  - 'sample': the statement ran on a sampled copy of its table on the target (probe.ts) and the time
 *    is scaled to the table's size: linearly for scans, rewrites and updates, by rows × log rows for
 *    the sort of an index build, and divided by the speed-up of the parallel workers PostgreSQL will
 *    plan for the real table (measured by the calibration);
 *  - 'model': the server calibration's rates (calibrate.ts) applied to the table's pages and rows;
 *  - 'catalog': the statement changes the catalog only (or its table is new or empty).
 * Sizes come from pg_class / pg_stat_user_tables. Nothing here writes outside the probe's
 * rolled-back transaction.
 */
import type { Driver } from '../db/driver';
import { formatName, type QualifiedName } from '../lint/ast';
import { conflicts } from '../pg/lock-modes';
import { type CalibrationRates, explainPlan } from './calibrate';
import { relationInfo, type OpenTransaction, type RelationInfo } from './catalog';
import type { StatementFacts } from '../pg';
import type { LongTransaction, StatementEstimate, TableStats } from './model';
import type { SampleProbe, Scratch } from './probe';
import { fmtBytes, fmtInt, pct, round, splitQualified } from './format';
import { Scaling } from './scaling';
import { indexOnCopy, quoteQualified, retarget } from './sql-text';

export interface EstimateSetup {
  driver: Driver;
  settings: Record<string, string>;
  rates?: CalibrationRates;
  openTransactions: OpenTransaction[];
}

export interface StatementToEstimate {
  analysis: StatementFacts;
  sql: string;
}

export interface EstimateResult {
  seconds: number | null;
  estimate: StatementEstimate | null;
  table?: TableStats;
}

/**
 * A modelled or catalog-only estimate of `seconds`: `est` says how, the range is seconds / spread (or
 * `low`) to seconds × spread; the statement's table goes with it.
 */
type Done = (
  seconds: number,
  est: Omit<StatementEstimate, 'low' | 'high'>,
  spread: number,
  low?: number,
) => EstimateResult;

/** What a catalog-only change costs once its lock is granted. */
const CATALOG_SECONDS = 0.005;

interface ForeignKeyCheck {
  columns: string[];
  referenced: QualifiedName;
  refColumns: string[];
}

export class Estimator {
  private readonly relations = new Map<string, RelationInfo | null>();
  /** per statement (by object identity): rows the planner expects a DML statement to touch */
  private readonly dmlRows = new Map<StatementToEstimate, number>();
  private readonly queryCost = new Map<StatementToEstimate, number>();
  /** tables a later statement will be timed on: catalog-only changes are replayed on their copy */
  private readonly sampledTables = new Set<string>();

  readonly scaling: Scaling;

  /** Rows a DML statement will touch: the planner's estimate on the target, else its table's rows. */
  plannedRows(s: StatementToEstimate, table?: TableStats): number | null {
    return this.dmlRows.get(s) ?? table?.rows ?? null;
  }

  constructor(private readonly setup: EstimateSetup) {
    this.scaling = new Scaling(setup.settings, setup.rates);
  }

  async relation(q: QualifiedName): Promise<RelationInfo | undefined> {
    const key = formatName(q);
    if (!this.relations.has(key))
      this.relations.set(key, (await relationInfo(this.setup.driver, q).catch(() => undefined)) ?? null);
    return this.relations.get(key) ?? undefined;
  }

  /**
   * Everything read outside the probe's transaction, so the probe holds nothing but ACCESS SHARE:
   * relation sizes, and the planner's row counts and costs (EXPLAIN, which runs nothing) for DML
   * and queries. A statement on a column an earlier migration adds simply gets no plan.
   */
  async prepare(statements: readonly StatementToEstimate[]): Promise<void> {
    const d = this.setup.driver;
    for (const s of statements) {
      if (s.analysis.table && s.analysis.work !== 'catalog' && s.analysis.operation.kind !== 'catalog')
        this.sampledTables.add(formatName(s.analysis.table));
      for (const l of s.analysis.locks) await this.relation(l.relation);
      if (s.analysis.table) await this.relation(s.analysis.table);
      const op = s.analysis.operation.kind;
      if (op !== 'dml' && op !== 'query') continue;
      await d.exec('BEGIN READ ONLY');
      try {
        await d.exec(`SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '1s'`);
        const plan = await explainPlan(d, s.sql);
        if (plan && op === 'dml') {
          const child = (plan.Plans as Record<string, unknown>[] | undefined)?.[0] ?? plan;
          this.dmlRows.set(s, Number(child['Plan Rows'] ?? 0));
        } else if (plan) this.queryCost.set(s, Number(plan['Total Cost'] ?? 0));
      } catch {
        // the statement depends on something earlier in the set: no plan
      } finally {
        await d.exec('ROLLBACK').catch(() => undefined);
      }
    }
  }

  tableStats(q: QualifiedName | undefined): TableStats | undefined {
    if (!q) return undefined;
    const r = this.relations.get(formatName(q));
    if (!r)
      return {
        name: formatName(q),
        exists: false,
        rows: 0,
        bytes: 0,
        totalBytes: 0,
        indexes: 0,
        rowsSource: 'none',
      };
    return {
      name: `${r.schema}.${r.name}`,
      exists: true,
      rows: r.rows,
      bytes: r.bytes,
      totalBytes: r.totalBytes,
      indexes: r.indexes.length,
      rowsSource: r.rowsSource,
    };
  }

  /** Estimates one statement; `probe` is the open sample transaction, when there is one. */
  async estimate(s: StatementToEstimate, probe?: SampleProbe): Promise<EstimateResult> {
    const a = s.analysis;
    const table = this.tableStats(a.table);
    const rel = a.table ? (this.relations.get(formatName(a.table)) ?? undefined) : undefined;
    const done: Done = (seconds, est, spread, low) => ({
      seconds: round(seconds),
      estimate: { low: round(low ?? seconds / spread), high: round(seconds * spread), ...est },
      table,
    });
    if (a.work === 'catalog' || (a.operation.kind === 'catalog' && a.work !== 'scan')) {
      // a later statement may need what this one adds (a column, a NOT VALID constraint) on the copy
      if (
        probe &&
        rel &&
        rel.rows > 0 &&
        a.table &&
        this.sampledTables.has(formatName(a.table)) &&
        sampleable(a) &&
        a.operation.kind === 'alter-table'
      ) {
        const copy = await probe.copyOf(rel);
        const r = copy ? await retarget(s.sql, a.table, copy.sqlName) : undefined;
        if (copy && r) await probe.run(r.sql, copy, true);
      }
      return done(
        CATALOG_SECONDS,
        { method: 'catalog', basis: 'changes the catalog only: milliseconds once the lock is granted' },
        5,
        0.001,
      );
    }
    if (!rel || rel.rows === 0) {
      const why = !rel
        ? a.table
          ? `${formatName(a.table)} does not exist yet (created earlier in this set): empty`
          : 'no table to measure'
        : `${rel.schema}.${rel.name} is empty`;
      if (!rel && !a.table && a.operation.kind === 'query') return this.queryEstimate(s, done);
      return done(CATALOG_SECONDS, { method: 'catalog', basis: why }, 5, 0.001);
    }
    const fk = this.foreignKeyCheck(a, rel);
    if (fk) {
      const sampled = probe ? await this.sampledForeignKey(fk, rel, probe).catch(() => undefined) : undefined;
      if (sampled) return { ...sampled, table };
      return this.modelledForeignKey(fk, rel, done);
    }
    try {
      const sampled = probe ? await this.sampled(s, rel, probe) : undefined;
      if (sampled) return { ...sampled, table };
    } catch (e) {
      probe?.notes.push(`sampling failed for "${a.summary}": ${(e as Error).message}`);
    }
    return this.modelled(s, rel, done);
  }

  private async sampled(
    s: StatementToEstimate,
    rel: RelationInfo,
    probe: SampleProbe,
  ): Promise<EstimateResult | undefined> {
    const a = s.analysis;
    const op = a.operation;
    if (op.kind === 'validate-fk' || op.kind === 'query' || op.kind === 'analyze') return undefined;
    if (!sampleable(a)) return undefined;
    const copy = await probe.copyOf(rel);
    if (!copy || copy.rows === 0) return undefined;
    const f = rel.rows / copy.rows;
    const basisOf = (secs: number, how: string): string =>
      `ran on a ${fmtInt(copy.rows)}-row sample of ${rel.schema}.${rel.name} (${pct(copy.rows, rel.rows)}) in ${secs.toFixed(3)} s; ${how}`;

    if (op.kind === 'create-index') {
      const sql = await indexOnCopy(s.sql, copy.sqlName, op.unique);
      if (!sql) return undefined;
      let run = await probe.run(sql, copy, true);
      if (run.error && op.unique) run = await probe.run(sql.replace(/^CREATE UNIQUE/, 'CREATE'), copy, true);
      if (run.error) return undefined;
      copy.indexSeconds.push({ def: sql, seconds: run.seconds });
      const workers = this.scaling.plannedWorkers(rel.pages);
      const serial = run.seconds * this.scaling.indexScale(copy.rows, rel.rows, workers) + extraRead(copy, f);
      let seconds = serial / this.scaling.speedup(workers);
      let how = `scaled by rows × log rows${workers ? `, ${workers} parallel worker${workers > 1 ? 's' : ''} (measured speed-up ×${this.scaling.speedup(workers).toFixed(2)})` : ''}`;
      if (op.concurrent) {
        // the validation pass: the new index's TIDs sorted, then the whole table read again
        const validate = copy.realScanSeconds * f + this.scaling.tidSortSeconds(rel.rows);
        seconds += validate;
        how += `; plus ${validate.toFixed(1)} s for the second scan that validates the index (CONCURRENTLY), not counting waits for older transactions`;
      }
      const high = (op.concurrent ? seconds : serial) * 1.5;
      return measured(seconds, basisOf(run.seconds, how), seconds / 1.6, high, run.rewrote);
    }

    if (op.kind === 'alter-table') {
      const validate = a.subcommands.find((x) => x.action === 'VALIDATE CONSTRAINT');
      const sql = validate
        ? await this.validateOnCopy(s, rel, copy, probe)
        : (await retarget(s.sql, a.table!, copy.sqlName))?.sql;
      if (!sql) return undefined;
      const indexesBefore = copy.indexSeconds.reduce((t, x) => t + x.seconds, 0);
      const run = await probe.run(sql, copy, !validate);
      if (run.error) return undefined;
      if (a.work === 'rewrite' || run.rewrote) {
        const heap = Math.max(run.seconds - indexesBefore, run.seconds * 0.3);
        const idx = Math.min(indexesBefore, run.seconds * 0.7);
        const workers = this.scaling.plannedWorkers(rel.pages);
        const seconds =
          heap * f +
          extraRead(copy, f) +
          (idx * this.scaling.indexScale(copy.rows, rel.rows, workers)) / this.scaling.speedup(workers);
        const how = `rewrote the copy and rebuilt its ${copy.indexSeconds.length} index${copy.indexSeconds.length === 1 ? '' : 'es'}; scaled by rows (table) and rows × log rows (indexes)`;
        return measured(seconds, basisOf(run.seconds, how), seconds / 1.6, seconds * 1.6, run.rewrote);
      }
      if (a.work === 'index-build') {
        const workers = this.scaling.plannedWorkers(rel.pages);
        const seconds =
          (run.seconds * this.scaling.indexScale(copy.rows, rel.rows, workers) + extraRead(copy, f)) /
          this.scaling.speedup(workers);
        const basis = basisOf(run.seconds, 'scaled by rows × log rows');
        return measured(seconds, basis, seconds / 1.6, seconds * 1.6, run.rewrote);
      }
      const seconds = run.seconds * f + extraRead(copy, f);
      const basis = basisOf(
        run.seconds,
        `scaled by rows, with the real table's read speed (${readSpeed(copy)})`,
      );
      return measured(seconds, basis, seconds / 1.6, seconds * 1.6, run.rewrote);
    }

    if (op.kind === 'dml') {
      const r = await retarget(s.sql, a.table!, copy.sqlName);
      if (!r) return undefined;
      const run = await probe.run(r.sql, copy, true);
      if (run.error || !run.rowCount || run.rowCount < 20) return undefined;
      const planned = this.dmlRows.get(s);
      const rows = planned !== undefined && planned > 0 ? planned : run.rowCount * f;
      const seconds = (run.seconds / run.rowCount) * rows;
      const how = `${fmtInt(run.rowCount)} rows changed on the copy; scaled to the ${fmtInt(rows)} rows the planner expects on the table`;
      return measured(seconds, basisOf(run.seconds, how), seconds / 1.6, seconds * 1.8, run.rewrote);
    }

    if (op.kind === 'vacuum-full' || (op.kind === 'reindex' && !op.concurrent)) {
      const idx = copy.indexSeconds.reduce((t, x) => t + x.seconds, 0);
      const workers = this.scaling.plannedWorkers(rel.pages);
      const heap = op.kind === 'vacuum-full' ? copy.copySeconds * f + extraRead(copy, f) : 0;
      const seconds =
        heap + (idx * this.scaling.indexScale(copy.rows, rel.rows, workers)) / this.scaling.speedup(workers);
      const how =
        op.kind === 'vacuum-full'
          ? 'copying the sample and building its indexes, scaled to the table'
          : 'building its indexes on the sample, scaled to the table';
      return measured(seconds, basisOf(copy.copySeconds + idx, how), seconds / 1.8, seconds * 1.8);
    }
    return undefined;
  }

  /** The foreign key the statement checks every row of, from the parse tree or (VALIDATE) the catalog. */
  private foreignKeyCheck(a: StatementFacts, rel: RelationInfo): ForeignKeyCheck | undefined {
    if (a.operation.kind === 'validate-fk') {
      const ref = a.operation.referenced;
      let refColumns = a.operation.refColumns;
      if (!refColumns.length) {
        const r = this.relations.get(formatName(ref));
        refColumns = r?.indexes.find((i) => i.primary)?.columns ?? [];
      }
      return { columns: a.operation.columns, referenced: ref, refColumns };
    }
    const name = a.subcommands.find((x) => x.action === 'VALIDATE CONSTRAINT')?.constraint;
    const con = rel.constraints.find((c) => c.name === name && c.type === 'f');
    const m = con && /^FOREIGN KEY \((.+?)\) REFERENCES (.+?)\((.+?)\)/.exec(con.def);
    if (!m || !con?.references) return undefined;
    const split = (x: string): string[] => x.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const [schema, table] = splitQualified(con.references);
    return { columns: split(m[1]), referenced: { schema, name: table }, refColumns: split(m[3]) };
  }

  /** The lookup a foreign key check does, timed for the sampled rows against the real referenced table (read only). */
  private async sampledForeignKey(
    fk: ForeignKeyCheck,
    rel: RelationInfo,
    probe: SampleProbe,
  ): Promise<EstimateResult | undefined> {
    if (!fk.columns.length || fk.columns.length !== fk.refColumns.length) return undefined;
    const copy = await probe.copyOf(rel);
    if (!copy || !copy.rows) return undefined;
    const ref = quoteQualified(fk.referenced);
    const notNull = fk.columns.map((c) => `fk.${quoteQualified({ name: c })} IS NOT NULL`).join(' AND ');
    const match = fk.columns
      .map((c, i) => `pk.${quoteQualified({ name: fk.refColumns[i] })} = fk.${quoteQualified({ name: c })}`)
      .join(' AND ');
    const sql = `SELECT count(*) FROM ${copy.sqlName} fk WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ONLY ${ref} pk WHERE ${match})`;
    const run = await probe.run(sql, copy, false);
    if (run.error) return undefined;
    const seconds = run.seconds * (rel.rows / copy.rows);
    const basis = `looked up ${fmtInt(copy.rows)} sampled rows of ${rel.schema}.${rel.name} in ${formatName(fk.referenced)} in ${run.seconds.toFixed(3)} s; scaled by rows`;
    return measured(seconds, basis, seconds / 2.5, seconds * 1.6);
  }

  private modelledForeignKey(fk: ForeignKeyCheck, rel: RelationInfo, done: Done): EstimateResult {
    const r = this.setup.rates;
    if (!r)
      return {
        ...unknown('no calibration on this server'),
        table: this.tableStats({ schema: rel.schema, name: rel.name }),
      };
    const ref = this.relations.get(formatName(fk.referenced));
    const lg = Math.log2(Math.max(rel.rows, 2));
    const seconds =
      rel.bytes * r.scanSecondsPerByte * 2 +
      (ref?.bytes ?? 0) * r.scanSecondsPerByte * 2 +
      rel.rows * lg * r.sortCoefficient;
    return done(
      seconds,
      {
        method: 'model',
        basis: `calibration of this server applied to a join of ${rel.schema}.${rel.name} (${fmtInt(rel.rows)} rows) with ${formatName(fk.referenced)}`,
      },
      2.5,
    );
  }

  /**
   * VALIDATE CONSTRAINT on the copy: a CHECK copied with LIKE ... INCLUDING CONSTRAINTS comes over
   * already valid, so the copy's constraint is dropped and added again (same scan as VALIDATE).
   */
  private async validateOnCopy(
    s: StatementToEstimate,
    rel: RelationInfo,
    copy: Scratch,
    probe: SampleProbe,
  ): Promise<string | undefined> {
    const name = s.analysis.subcommands.find((x) => x.action === 'VALIDATE CONSTRAINT')?.constraint;
    const con = rel.constraints.find((c) => c.name === name);
    if (!con || con.type !== 'c') {
      // added earlier in this set (on the copy too): validate it there for real
      return name ? (await retarget(s.sql, s.analysis.table!, copy.sqlName))?.sql : undefined;
    }
    const def = con.def.replace(/\s+NOT VALID\s*$/i, '');
    const rows = await probe.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = '${copy.sqlName.replace(/'/g, "''")}'::regclass AND conname = $1`,
      [con.name],
    );
    const drop =
      rows && rows[0]?.n
        ? `ALTER TABLE ${copy.sqlName} DROP CONSTRAINT ${quoteQualified({ name: con.name })}, `
        : `ALTER TABLE ${copy.sqlName} `;
    return `${drop}ADD CONSTRAINT ${quoteQualified({ name: con.name })} ${def}`;
  }

  private modelled(s: StatementToEstimate, rel: RelationInfo, done: Done): EstimateResult {
    const r = this.setup.rates;
    const a = s.analysis;
    const op = a.operation;
    if (op.kind === 'query') return this.queryEstimate(s, done);
    if (!r)
      return {
        ...unknown('no calibration on this server, and the statement could not run on a sample'),
        table: this.tableStats(a.table),
      };
    const workers = this.scaling.plannedWorkers(rel.pages);
    const indexBuild = (rows: number): number =>
      (rows * Math.log2(Math.max(rows, 2)) * r.indexCoefficient) / this.scaling.speedup(workers);
    const basis = (how: string): string =>
      `calibration of this server (${r.method}) applied to ${rel.schema}.${rel.name}: ${fmtInt(rel.rows)} rows, ${fmtBytes(rel.bytes)}; ${how}`;
    if (op.kind === 'create-index' || a.work === 'index-build') {
      let seconds = indexBuild(rel.rows);
      if (op.kind === 'create-index' && op.concurrent)
        seconds += rel.bytes * r.scanSecondsPerByte + this.scaling.tidSortSeconds(rel.rows);
      return done(seconds, { method: 'model', basis: basis('index build: rows × log rows') }, 2.5);
    }
    if (op.kind === 'reindex')
      return done(
        rel.indexes.length * indexBuild(rel.rows),
        { method: 'model', basis: basis(`${rel.indexes.length} index builds`) },
        2.5,
      );
    if (a.work === 'rewrite') {
      const seconds = rel.bytes * r.rewriteSecondsPerByte + rel.indexes.length * indexBuild(rel.rows);
      return done(
        seconds,
        { method: 'model', basis: basis(`rewrite plus ${rel.indexes.length} index rebuilds`) },
        2.5,
      );
    }
    if (a.work === 'scan')
      return done(
        rel.bytes * r.scanSecondsPerByte * 1.5,
        { method: 'model', basis: basis('one pass over every row') },
        2.5,
      );
    if (op.kind === 'dml') {
      const rows = this.dmlRows.get(s) ?? rel.rows;
      const seconds = rows * r.updateSecondsPerRow * (1 + 0.5 * Math.max(rel.indexes.length - 1, 0));
      return done(
        seconds,
        {
          method: 'model',
          basis: basis(
            `${fmtInt(rows)} rows changed (planner estimate), ${rel.indexes.length} indexes maintained`,
          ),
        },
        2.5,
      );
    }
    if (op.kind === 'analyze') {
      const sampled =
        Math.min(rel.pages, 300 * Number(this.setup.settings.default_statistics_target ?? 100)) * 8192;
      return done(
        sampled * r.scanSecondsPerByte * 3,
        { method: 'model', basis: basis('ANALYZE reads a sample of pages') },
        3,
      );
    }
    return { ...unknown('no model for this statement'), table: this.tableStats(a.table) };
  }

  private queryEstimate(s: StatementToEstimate, done: Done): EstimateResult {
    const cost = this.queryCost.get(s);
    const r = this.setup.rates;
    if (cost === undefined || !r)
      return unknown('the planner could not plan the query before the migrations it depends on run');
    return done(
      cost / r.costUnitsPerSecond,
      {
        method: 'model',
        basis: `planner cost ${fmtInt(cost)} at the ${fmtInt(r.costUnitsPerSecond)} cost units per second this server scans at`,
      },
      4,
    );
  }

  /** Sessions holding, right now, a lock that conflicts with what the statement needs. */
  queueBehind(a: StatementFacts): LongTransaction[] {
    const out: LongTransaction[] = [];
    for (const tx of this.setup.openTransactions) {
      const hit = a.locks.flatMap((l) => {
        const rel = this.relations.get(formatName(l.relation));
        if (!rel) return [];
        return tx.locks
          .filter((h) => h.oid === rel.oid && conflicts(h.mode, l.mode))
          .map((h) => `${h.mode} on ${h.relation}`);
      });
      // CONCURRENTLY waits for every transaction older than itself, whatever it has locked
      if (hit.length || a.concurrent)
        out.push({
          pid: tx.pid,
          user: tx.user,
          application: tx.application,
          state: tx.state,
          ageSeconds: tx.ageSeconds,
          query: tx.query,
          holds: hit[0] ?? (a.concurrent ? 'an open snapshot (CONCURRENTLY waits for it)' : undefined),
        });
    }
    return out;
  }
}

/** Only statements whose every part is safe to run on a copy: nothing that locks another real table. */
function sampleable(a: StatementFacts): boolean {
  if (a.locks.some((l, i) => i > 0 && l.mode !== 'ACCESS SHARE' && l.mode !== 'ROW SHARE')) return false;
  const ok = new Set([
    'ADD COLUMN',
    'ALTER COLUMN TYPE',
    'SET NOT NULL',
    'DROP NOT NULL',
    'SET DEFAULT',
    'DROP DEFAULT',
    'ADD CHECK',
    'ADD UNIQUE',
    'ADD PRIMARY KEY',
    'ADD EXCLUDE',
    'ADD NOT NULL',
    'VALIDATE CONSTRAINT',
    'DROP COLUMN',
    'SET EXPRESSION',
    'DROP EXPRESSION',
    'SET LOGGED',
    'SET UN LOGGED',
  ]);
  return a.subcommands.every((x) => ok.has(x.action));
}

/**
 * What reading the whole real table costs beyond reading the copy as often: the copy is fresh in
 * shared_buffers, the real table may not be (beyond shared_buffers it comes from the OS cache or the
 * disk). Measured on a contiguous chunk of the real table of the copy's size. Only ever added: real
 * pages that read faster (all-visible ones) save less than the count(*) comparison suggests, because
 * the statement's own work per row dominates (measured: subtracting it halved a VALIDATE estimate).
 */
function extraRead(copy: Scratch, f: number): number {
  return Math.max(copy.realScanSeconds - copy.scanSeconds, 0) * f;
}

function readSpeed(copy: Scratch): string {
  const r = copy.realScanSeconds / Math.max(copy.scanSeconds, 1e-6);
  return `its pages read ${r >= 1 ? `${r.toFixed(1)}× slower` : `${(1 / r).toFixed(1)}× faster`} than the copy's`;
}

/** A time measured on the sample copy (a foreign key: for its sampled rows), scaled to the table, between `low` and `high`. */
function measured(
  seconds: number,
  basis: string,
  low: number,
  high: number,
  rewroteSample?: boolean,
): EstimateResult {
  return {
    seconds: round(seconds),
    estimate: {
      method: 'sample',
      basis,
      low: round(low),
      high: round(high),
      ...(rewroteSample === undefined ? {} : { rewroteSample }),
    },
  };
}

function unknown(basis: string): EstimateResult {
  return { seconds: null, estimate: { method: 'unknown', basis, low: 0, high: 0 } };
}
