/**
 * How a time measured on a sample grows to the whole table: rows for a pass over the heap, rows ×
 * log rows for the sort of an index build (more once the sort outgrows maintenance_work_mem and
 * spills, by the factor the calibration measured), and divided by the speed-up of the parallel
 * workers PostgreSQL plans for the real table.
 */
import type { CalibrationRates } from './calibrate';
import { settingBytes } from './catalog';

/** Share of an index build spent sorting: the part that grows with rows × log rows. */
const SORT_SHARE = 0.7;

/** Memory a btree build's sort needs per row (SortTuple, index tuple with a small key, allocation overhead). */
const SORT_TUPLE_BYTES = 48;

/** Memory per TID in the sort of CREATE INDEX CONCURRENTLY's validation (SortTuple with an int8 datum). */
const TID_SORT_BYTES = 32;

export class Scaling {
  constructor(
    private readonly settings: Record<string, string>,
    private readonly rates?: CalibrationRates,
  ) {}

  /**
   * rows × log rows for the sort share of an index build, rows for the rest; and when each
   * participant's share of the keys outgrows its part of maintenance_work_mem, the sort spills to
   * disk, which the calibration measured (the sample's own sort always fits in memory).
   */
  indexScale(sampleRows: number, tableRows: number, workers: number): number {
    const f = tableRows / Math.max(sampleRows, 1);
    const logRatio = Math.log2(Math.max(tableRows, 2)) / Math.log2(Math.max(sampleRows, 2));
    const spill = this.spills(tableRows / (workers + 1), SORT_TUPLE_BYTES, workers + 1)
      ? (this.rates?.sortSpillFactor ?? 1)
      : 1;
    return f * (1 - SORT_SHARE + SORT_SHARE * logRatio * spill);
  }

  /** CREATE INDEX CONCURRENTLY sorts the TIDs of the new index before its validating scan. */
  tidSortSeconds(rows: number): number {
    const r = this.rates;
    if (!r) return 0;
    const spill = this.spills(rows, TID_SORT_BYTES, 1) ? r.sortSpillFactor : 1;
    return rows * Math.log2(Math.max(rows, 2)) * r.sortCoefficient * 0.5 * spill;
  }

  private spills(rows: number, bytesPerRow: number, participants: number): boolean {
    const mwm = settingBytes(this.settings, 'maintenance_work_mem') ?? 64 * 1024 * 1024;
    return rows * bytesPerRow > mwm / participants;
  }

  /** Parallel workers PostgreSQL plans for an index build on a heap of `pages` (plan_create_index_workers). */
  plannedWorkers(pages: number): number {
    const st = this.settings;
    const max = Math.min(
      Number(st.max_parallel_maintenance_workers ?? 0),
      Number(st.max_parallel_workers ?? 8),
    );
    if (!max) return 0;
    const block = settingBytes(st, 'block_size') ?? 8192;
    const threshold = Math.max(
      Math.round((settingBytes(st, 'min_parallel_table_scan_size') ?? 8 * 1024 * 1024) / block),
      1,
    );
    if (pages < threshold) return 0;
    let workers = 1;
    let t = threshold * 3;
    while (pages >= t && workers < max) {
      workers++;
      t *= 3;
    }
    const mwm = settingBytes(st, 'maintenance_work_mem') ?? 64 * 1024 * 1024;
    while (workers > 0 && mwm / (workers + 1) < 32 * 1024 * 1024) workers--;
    return workers;
  }

  /** The speed-up of `workers` parallel workers, from the one-worker speed-up the calibration measured. */
  speedup(workers: number): number {
    const measured = this.rates?.parallelSpeedup ?? 1;
    return 1 + (measured - 1) * workers;
  }
}
