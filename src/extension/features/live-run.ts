/**
 * The run in progress, as the editor shows it while it goes: which migration, how far a batched
 * backfill is (done/total, rows/s, ETA from the runner's `batch` events), and whether it is paused —
 * by the person (Pause) or by the runner's health gate (autovacuum, replica lag). The Migrations view
 * draws the running item from it; Pause/Resume set the flag the runner reads before each batch
 * (RunnerInput.paused), so a batch in flight always finishes and commits its checkpoint.
 */
import * as vscode from 'vscode';
import { PAUSED_BY_USER, type Blocker, type RunnerEvent, type StepResult } from '../../core/runner';
import { ContextKey } from '../command-ids';

export interface LiveProgress {
  version: string;
  direction: 'up' | 'down';
  /** rows of the batched statement: null until its first batch */
  done: number | null;
  total: number | null;
  batches: number;
  rowsPerSecond: number | null;
  etaMs: number | null;
  /** why no batch starts now, while it does not: 'paused by the user', 'autovacuum on orders', ... */
  pausedReason?: string;
  /** the monitor's view: the sessions whose locks it waits for */
  blockers: Blocker[];
  /** sessions waiting behind its locks */
  queue: { sessions: number; oldestWaitMs: number; applicationNames: string[] };
  /** the statement it runs now, and since when (Date.now()) */
  statement?: { line: number; sql: string; since: number };
}

export { PAUSED_BY_USER };

export class LiveRun implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** at most about four times a second: a backfill's batches can come much faster */
  readonly onDidChange = this.changed.event;
  private current?: LiveProgress;
  private running = false;
  private pauseRequested = false;
  private timer?: NodeJS.Timeout;
  private lastFire = 0;
  /** the migrations this run has finished with, and the environment it runs on */
  private readonly settledSteps = new Map<string, StepResult>();
  private settledEnv?: string;

  /** the runner's `paused` hook: true while the person has paused */
  readonly paused = (): boolean => this.pauseRequested;

  /** A run on the environment `envId` begins: what an earlier run settled is forgotten. */
  start(envId?: string): void {
    this.settledSteps.clear();
    this.settledEnv = envId;
    this.reset(true);
  }

  finish(): void {
    this.reset(false);
  }

  private reset(running: boolean): void {
    this.running = running;
    this.pauseRequested = false;
    this.current = undefined;
    this.setContext();
    this.fireSoon(true);
  }

  isRunning(): boolean {
    return this.running;
  }

  /** the migration being run now, if any */
  progress(): LiveProgress | undefined {
    return this.current;
  }

  of(version: string): LiveProgress | undefined {
    return version !== '' && this.current?.version === version ? this.current : undefined;
  }

  /**
   * A migration this run applied or rolled back on `envId`. The Migrations view shows it so from the
   * step's event on, not only once the run has ended and the state is read again from the database.
   */
  settled(version: string, envId: string): StepResult | undefined {
    return version !== '' && envId === this.settledEnv ? this.settledSteps.get(version) : undefined;
  }

  /** whether a Pause would do something: a batched statement runs (pause acts between its batches) */
  isBatching(): boolean {
    return this.running && this.current?.total != null;
  }

  pause(): boolean {
    if (!this.running || this.pauseRequested) return false;
    this.pauseRequested = true;
    this.setContext();
    this.fireSoon(true);
    return true;
  }

  resume(): boolean {
    if (!this.pauseRequested) return false;
    this.pauseRequested = false;
    this.setContext();
    this.fireSoon(true);
    return true;
  }

  /** Follows the runner's events; returns true when the progress shown changed. */
  onEvent(e: RunnerEvent): boolean {
    switch (e.type) {
      case 'step-start':
        this.current = {
          version: e.version,
          direction: e.direction,
          done: null,
          total: null,
          batches: 0,
          rowsPerSecond: null,
          etaMs: null,
          blockers: [],
          queue: { sessions: 0, oldestWaitMs: 0, applicationNames: [] },
        };
        break;
      case 'statement':
        if (!this.current || this.current.version !== e.version) return false;
        this.current = { ...this.current, statement: { line: e.line, sql: e.sql, since: Date.now() } };
        // the tree shows it only in the Running section, which exists while someone blocks
        if (!this.current.blockers.length && !this.current.queue.sessions) return false;
        break;
      case 'blocked':
        if (!this.current || this.current.version !== e.version) return false;
        this.current = { ...this.current, blockers: e.waitingOn };
        break;
      case 'blocking':
        if (!this.current || this.current.version !== e.version) return false;
        this.current = {
          ...this.current,
          queue: { sessions: e.sessions, oldestWaitMs: e.oldestWaitMs, applicationNames: e.applicationNames },
        };
        break;
      case 'batch':
        if (!this.current || this.current.version !== e.version) return false;
        this.current = {
          ...this.current,
          done: e.done,
          total: e.total,
          batches: e.batches,
          rowsPerSecond: e.rowsPerSecond,
          etaMs: e.etaMs,
          pausedReason: undefined,
        };
        break;
      case 'paused':
        if (!this.current) return false;
        this.current = { ...this.current, pausedReason: e.reason };
        break;
      case 'resumed':
        if (!this.current) return false;
        this.current = { ...this.current, pausedReason: undefined };
        break;
      case 'step-done':
        if (e.result.version !== '') this.settledSteps.set(e.result.version, e.result);
        if (this.current?.version === e.result.version) this.current = undefined;
        break;
      default:
        return false;
    }
    this.setContext();
    this.fireSoon(e.type !== 'batch');
    return true;
  }

  private setContext(): void {
    void vscode.commands.executeCommand(
      'setContext',
      ContextKey.runPausable,
      this.isBatching() && !this.pauseRequested,
    );
    void vscode.commands.executeCommand(
      'setContext',
      ContextKey.runPaused,
      this.running && this.pauseRequested,
    );
  }

  private fireSoon(now = false): void {
    if (this.timer) return;
    const wait = now ? 0 : Math.max(0, 250 - (Date.now() - this.lastFire));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastFire = Date.now();
      this.changed.fire();
    }, wait);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

/** 'running now', '42% · 420,000 / 1,000,000 rows · 61,000 rows/s · ETA 9.5 s', 'paused · 42% · …' */
export function liveText(p: LiveProgress, fmtMs: (n: number) => string): string {
  const rows =
    p.done !== null && p.total !== null
      ? `${p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100}% · ${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} rows`
      : '';
  if (p.pausedReason === PAUSED_BY_USER) return ['paused', rows].filter(Boolean).join(' · ');
  if (p.pausedReason) return [`waiting: ${p.pausedReason}`, rows].filter(Boolean).join(' · ');
  if (p.blockers.length) {
    const b = p.blockers[0];
    const more = p.blockers.length > 1 ? ` and ${p.blockers.length - 1} more` : '';
    const queued = p.queue.sessions ? ` · ${p.queue.sessions} waiting behind it` : '';
    return [`waits for a lock held by pid ${b.pid} ${b.applicationName}${more}${queued}`, rows]
      .filter(Boolean)
      .join(' · ');
  }
  if (!rows) return `running now${p.direction === 'down' ? ' (down)' : ''}`;
  const rate =
    p.rowsPerSecond !== null ? ` · ${Math.round(p.rowsPerSecond).toLocaleString('en-US')} rows/s` : '';
  const eta = p.etaMs !== null ? ` · ETA ${fmtMs(p.etaMs)}` : '';
  return `${rows}${rate}${eta}`;
}
