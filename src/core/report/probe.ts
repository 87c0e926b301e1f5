/**
 * Runs migration statements on sampled copies of their tables, on the target server, inside ONE
 * transaction that is always rolled back: for each table a statement touches, a scratch table with the
 * same columns, constraints and indexes is filled with a page sample of the real rows (TABLESAMPLE
 * SYSTEM), and the statement, pointed at the copy, is timed there. The real tables are only read
 * (ACCESS SHARE, with a 1 s lock_timeout so the probe never queues behind anyone); statements that
 * would lock another real table (a foreign key's referenced table) are never run here.
 * Statements of one migration set run in order, so a later statement sees the columns an earlier one
 * added to the copy.
 */
import type { Driver } from '../db/driver';
import type { RelationInfo } from './catalog';
import { indexDefOnCopy, quoteIdent } from './sql-text';

export interface Scratch {
  /** quoted, schema-qualified name of the copy */
  sqlName: string;
  /** rows copied */
  rows: number;
  /** rows of the real table */
  tableRows: number;
  /** seconds to copy the sample (a heap write of `rows` rows) */
  copySeconds: number;
  /** seconds to build each of the real table's indexes on the copy (serial) */
  indexSeconds: { def: string; seconds: number }[];
  /** seconds of a sequential scan of the copy (count(*), best of two) */
  scanSeconds: number;
  /**
   * seconds to read as many pages of the real table in one sequential run (best of two): the real
   * table sits where the copy does not (beyond shared_buffers, in the OS cache or on disk), so a full
   * pass over it costs more per page than a pass over the fresh copy
   */
  realScanSeconds: number;
}

export interface ProbeRun {
  seconds: number;
  rowCount: number | null;
  /** the copy (or one of its indexes) got a new relfilenode */
  rewrote: boolean;
  error?: string;
}

export interface ProbeOptions {
  /** target size of a sample in bytes (default 16 MiB) */
  sampleBytes?: number;
  /** fewest rows worth sampling; smaller tables are copied whole (default 20 000) */
  minRows?: number;
  statementTimeoutMs?: number;
}

export class SampleProbe {
  private readonly copies = new Map<number, Scratch | null>();
  private seq = 0;
  private open = false;
  readonly notes: string[] = [];

  private constructor(
    private readonly driver: Driver,
    private readonly opts: Required<ProbeOptions>,
  ) {}

  static async start(driver: Driver, opts: ProbeOptions = {}): Promise<SampleProbe> {
    const p = new SampleProbe(driver, {
      sampleBytes: 16 * 1024 * 1024,
      minRows: 20_000,
      statementTimeoutMs: 60_000,
      ...opts,
    });
    await driver.exec('BEGIN');
    p.open = true;
    await driver.exec(
      `SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '${p.opts.statementTimeoutMs}ms'; SET LOCAL max_parallel_maintenance_workers = 0; SET LOCAL idle_in_transaction_session_timeout = '5min'`,
    );
    return p;
  }

  /** The sampled copy of `rel`, made on first use; null when it cannot be made (the reason goes to notes). */
  async copyOf(rel: RelationInfo): Promise<Scratch | null> {
    if (this.copies.has(rel.oid)) return this.copies.get(rel.oid)!;
    const made = await this.makeCopy(rel).catch((e: Error) => {
      this.notes.push(`could not sample ${rel.schema}.${rel.name}: ${e.message}`);
      return null;
    });
    this.copies.set(rel.oid, made);
    return made;
  }

  private async makeCopy(rel: RelationInfo): Promise<Scratch | null> {
    if (rel.relkind !== 'r') return null;
    const name = `pgshift_sample_${++this.seq}_${Math.random().toString(36).slice(2, 8)}`;
    const cols = rel.columns.filter((c) => !c.generated).map((c) => quoteIdent(c.name));
    let sqlName = `${quoteIdent(rel.schema)}.${quoteIdent(name)}`;
    await this.driver.exec('SAVEPOINT pgshift_copy');
    const like = `(LIKE ${rel.sqlName} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)`;
    try {
      await this.driver.exec(`CREATE TABLE ${sqlName} ${like}`);
    } catch {
      await this.driver.exec('ROLLBACK TO SAVEPOINT pgshift_copy');
      sqlName = `pg_temp.${quoteIdent(name)}`;
      await this.driver.exec(`CREATE TEMPORARY TABLE ${quoteIdent(name)} ${like}`);
      this.notes.push(
        `sampled ${rel.schema}.${rel.name} into a temporary table (no CREATE privilege on schema ${rel.schema}): writes are timed without WAL`,
      );
    }
    const fillfactor = rel.reloptions.find((o) => o.startsWith('fillfactor='));
    if (fillfactor) await this.driver.exec(`ALTER TABLE ${sqlName} SET (${fillfactor})`);
    const wanted = this.sampleRows(rel);
    const pct = rel.rows > 0 ? Math.min(100, (100 * wanted) / rel.rows) : 100;
    const from =
      pct >= 99.9
        ? `ONLY ${rel.sqlName}`
        : `ONLY ${rel.sqlName} TABLESAMPLE SYSTEM (${pct.toFixed(4)}) REPEATABLE (42)`;
    const list = cols.join(', ');
    const t0 = performance.now();
    const ins = await this.driver.query(`INSERT INTO ${sqlName} (${list}) SELECT ${list} FROM ${from}`);
    const copySeconds = (performance.now() - t0) / 1000;
    const rows = ins.rowCount ?? 0;
    const indexSeconds: Scratch['indexSeconds'] = [];
    for (const idx of rel.indexes.filter((i) => i.valid)) {
      const def = indexDefOnCopy(idx.def, sqlName);
      if (!def) continue;
      const t = performance.now();
      try {
        await this.driver.exec('SAVEPOINT pgshift_idx');
        await this.driver.exec(def);
        await this.driver.exec('RELEASE SAVEPOINT pgshift_idx');
        indexSeconds.push({ def: idx.def, seconds: (performance.now() - t) / 1000 });
      } catch {
        // a unique index can fail on a sample only if the real table has duplicates (then it has no valid index)
        await this.driver.exec('ROLLBACK TO SAVEPOINT pgshift_idx');
      }
    }
    await this.driver.exec(`ANALYZE ${sqlName}`);
    await this.driver.exec('SET LOCAL max_parallel_workers_per_gather = 0');
    const scanSeconds = await this.bestOf(2, `SELECT count(*) FROM ${sqlName}`);
    const copyPages =
      Number(
        (
          await this.driver.query<{ p: string }>(
            `SELECT pg_relation_size('${sqlName.replace(/'/g, "''")}')::text AS p`,
          )
        ).rows[0].p,
      ) / 8192;
    const realScanSeconds = await this.realRead(rel, Math.max(Math.round(copyPages), 1), pct).catch(
      () => scanSeconds,
    );
    await this.driver.exec('RELEASE SAVEPOINT pgshift_copy');
    return { sqlName, rows, tableRows: rel.rows, copySeconds, indexSeconds, scanSeconds, realScanSeconds };
  }

  /** Reads `pages` contiguous pages of the real table (a TID range scan, PostgreSQL 14+; else the same page sample). */
  private async realRead(rel: RelationInfo, pages: number, pct: number): Promise<number> {
    const v = await this.driver.serverVersion();
    if (v.major >= 14 && rel.pages > pages) {
      // a chunk from the middle: the start of a table is the part most likely to be cached
      const from = Math.floor((rel.pages - pages) / 2);
      return this.bestOf(
        2,
        `SELECT count(*) FROM ONLY ${rel.sqlName} WHERE ctid >= '(${from},0)'::tid AND ctid < '(${from + pages},0)'::tid`,
      );
    }
    return this.bestOf(
      2,
      pct >= 99.9
        ? `SELECT count(*) FROM ONLY ${rel.sqlName}`
        : `SELECT count(*) FROM ONLY ${rel.sqlName} TABLESAMPLE SYSTEM (${pct.toFixed(4)}) REPEATABLE (42)`,
    );
  }

  private async bestOf(n: number, sql: string): Promise<number> {
    let best = Infinity;
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await this.driver.query(sql);
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    return best;
  }

  private sampleRows(rel: RelationInfo): number {
    const rowBytes = rel.rows > 0 && rel.bytes > 0 ? rel.bytes / rel.rows : 100;
    return Math.max(this.opts.minRows, Math.round(this.opts.sampleBytes / rowBytes));
  }

  /**
   * Times `sql` on the copy. keep=false undoes its effect (ROLLBACK TO SAVEPOINT); keep=true keeps it
   * for the statements that follow. A failure is undone and returned, never thrown.
   */
  async run(sql: string, copy: Scratch, keep: boolean, settings: string[] = []): Promise<ProbeRun> {
    // A short run is timed twice (undone in between) and the faster one kept: a sample takes tens of
    // milliseconds, and one scheduling hiccup on a busy server would otherwise be scaled up 50 times.
    const first = await this.runOnce(sql, copy, false, settings);
    if (first.error || first.seconds > 5) {
      if (!first.error && keep && settings.length === 0) return this.runOnce(sql, copy, true, settings);
      return first;
    }
    const second = await this.runOnce(sql, copy, keep, settings);
    if (second.error) return second;
    return {
      ...second,
      seconds: Math.min(first.seconds, second.seconds),
      rewrote: first.rewrote || second.rewrote,
    };
  }

  private async runOnce(sql: string, copy: Scratch, keep: boolean, settings: string[]): Promise<ProbeRun> {
    await this.driver.exec('SAVEPOINT pgshift_run');
    try {
      for (const s of settings) await this.driver.exec(s);
      const before = await this.filenodes(copy);
      const t = performance.now();
      const res = await this.driver.query(sql);
      const seconds = (performance.now() - t) / 1000;
      const after = await this.filenodes(copy);
      const rewrote = [...before].some(([k, v]) => after.get(k) !== undefined && after.get(k) !== v);
      // SET LOCAL settings outlive RELEASE SAVEPOINT: a run with settings is always undone
      await this.driver.exec(
        keep && settings.length === 0 ? 'RELEASE SAVEPOINT pgshift_run' : 'ROLLBACK TO SAVEPOINT pgshift_run',
      );
      return { seconds, rowCount: res.rowCount, rewrote };
    } catch (e) {
      await this.driver.exec('ROLLBACK TO SAVEPOINT pgshift_run').catch(() => undefined);
      return { seconds: 0, rowCount: null, rewrote: false, error: (e as Error).message };
    }
  }

  /** Runs a read-only query (EXPLAIN, a count) inside the probe's transaction. */
  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[] | undefined> {
    await this.driver.exec('SAVEPOINT pgshift_q');
    try {
      const r = await this.driver.query<R>(sql, params);
      await this.driver.exec('RELEASE SAVEPOINT pgshift_q');
      return r.rows;
    } catch {
      await this.driver.exec('ROLLBACK TO SAVEPOINT pgshift_q').catch(() => undefined);
      return undefined;
    }
  }

  private async filenodes(copy: Scratch): Promise<Map<string, number>> {
    const lit = `'${copy.sqlName.replace(/'/g, "''")}'`;
    const r = await this.driver.query<{ oid: number; f: number }>(
      `SELECT c.oid::int AS oid, pg_relation_filenode(c.oid)::int AS f FROM pg_class c
        WHERE c.oid = ${lit}::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ${lit}::regclass)`,
    );
    return new Map(r.rows.map((x) => [String(x.oid), x.f]));
  }

  async finish(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.driver.exec('ROLLBACK');
  }
}
