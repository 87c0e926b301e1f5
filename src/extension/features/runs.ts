/**
 * Up, down and dry run from the editor, through the same runner calls as `pgshift up|down [--dry-run]`.
 * A write to a production environment needs its name typed; a read-only one refuses. Every run shows
 * progress with Cancel (the runner cancels the statement on the server and stops with a truthful
 * state), streams its events into the log, and ends by refreshing the views, lenses and diagnostics.
 */
import * as vscode from 'vscode';
import { fmtBytes, countText } from '../../core/text';
import { compareVersions } from '../../core/migrations/layouts';
import type { MigrationSet } from '../../core/migrations/model';
import { PgshiftError } from '../../core/errors';
import { openDriver } from '../../core/db/open';
import { parseDurationMs } from '../../core/duration';
import { unsoakedContracts } from '../../core/expand/phases';
import {
  assertMayWrite,
  describeBlocker,
  down,
  dryRun,
  runSeeds,
  seedsFor,
  up,
  type DownOptions,
  type SeedRunResult,
  type DryRunReport,
  type MigrationStatus,
  type RunnerEvent,
  type ResolvedTarget,
  type RunResult,
  type UpOptions,
  type WriteCommand,
} from '../../core/runner';
import type { Ctx } from '../ctx';
import { confirmProduction } from './confirm';
import type { Environment } from './environments';
import { ms, oneLineSql } from './format';
import { liveText, PAUSED_BY_USER, type LiveRun } from './live-run';
import type { ProjectState } from './project-state';
import { worstOf, type RunResults } from './run-results';

/** What lenses, tree items and tests pass: a version, or anything carrying one. */
export function versionOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (
    arg &&
    typeof arg === 'object' &&
    'version' in arg &&
    typeof (arg as { version: unknown }).version === 'string'
  )
    return (arg as { version: string }).version;
  return undefined;
}

const APPLIED_STATES: MigrationStatus['state'][] = ['applied', 'modified', 'missing'];

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

export class Runs {
  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
    private readonly results: RunResults,
    private readonly live: LiveRun,
    private readonly afterRun: () => void,
  ) {}

  /** Cancel of the run in progress (the notification's Cancel, the Migrations view, the palette) */
  private cancelCurrent?: () => void;
  /** where the run in progress runs: the blocker actions open their own session there */
  private running?: { env: Environment; target: ResolvedTarget };

  runningOn(): { env: Environment; target: ResolvedTarget } | undefined {
    return this.running;
  }

  /** Pause: no new batch of a batched backfill starts; the batch in flight finishes and commits. */
  pause(): boolean {
    const ok = this.live.pause();
    if (ok) this.ctx.output.info('pause requested: the backfill stops after the batch in flight');
    else this.nothing(this.live.isRunning() ? 'the run is already paused' : 'no migration is running');
    return ok;
  }

  resume(): boolean {
    const ok = this.live.resume();
    if (ok) this.ctx.output.info('resumed: the next batch starts');
    else this.nothing(this.live.isRunning() ? 'the run is not paused' : 'no migration is running');
    return ok;
  }

  cancel(): boolean {
    if (!this.cancelCurrent) {
      this.nothing('no migration is running');
      return false;
    }
    this.cancelCurrent();
    return true;
  }

  private migrationSet(): MigrationSet {
    const d = this.state.migrations();
    if (d.error) throw new PgshiftError(d.error);
    if (!d.set || !d.set.migrations.length)
      throw new PgshiftError('no migrations in this workspace', {
        hint: 'create one with "pgshift: New Migration"',
      });
    return d.set;
  }

  /** The state on the selected environment, read now if it is not known yet. */
  private async statuses(): Promise<MigrationStatus[]> {
    const snap = await this.state.whenLoaded();
    if (snap.error) throw new PgshiftError(`cannot read the state on ${snap.env.label}: ${snap.error}`);
    return snap.report?.migrations ?? [];
  }

  /** ▶ Up: applies the pending migrations up to and including `arg` (the palette asks which). */
  async up(arg?: unknown): Promise<RunResult | undefined> {
    const set = this.migrationSet();
    const env = this.ctx.environments.selected();
    const states = await this.statuses();
    let version = versionOf(arg);
    const pending = states.filter((m) => m.state === 'pending' || m.state === 'out-of-order');
    if (!version) {
      if (!pending.length) return this.nothing(`nothing to apply on ${env.label}: it is up to date`);
      const pick = await vscode.window.showQuickPick(
        [
          { label: `All pending (${pending.length})`, version: pending[pending.length - 1].version },
          ...pending.map((m) => ({ label: `Up to ${m.version}`, description: m.name, version: m.version })),
        ],
        { title: `pgshift: apply migrations on ${env.label}` },
      );
      if (!pick) return undefined;
      version = pick.version;
    }
    const row = states.find((m) => m.version !== '' && compareVersions(m.version, version!) === 0);
    if (!row) throw new PgshiftError(`no migration has version ${version}`);
    if (APPLIED_STATES.includes(row.state))
      return this.nothing(`${row.version} ${row.name} is already applied on ${env.label}`);
    const opts: UpOptions = { to: row.version };
    if (row.state === 'out-of-order') {
      const ok = await vscode.window.showWarningMessage(
        `${row.version} ${row.name} is older than the newest applied migration on ${env.label}. Apply it anyway?`,
        {
          modal: true,
          detail:
            'Only do this when it does not depend on the migrations applied after it (pgshift up --allow-out-of-order).',
        },
        'Apply Out of Order',
      );
      if (!ok) return undefined;
      opts.allowOutOfOrder = true;
    }
    const count = pending.filter(
      (m) => compareVersions(m.version, row.version) <= 0 && (m.state === 'pending' || opts.allowOutOfOrder),
    ).length;
    if (!(await this.confirmSoak(set, states, row.version, opts))) return undefined;
    const result = await this.write(
      'up',
      env,
      set,
      opts,
      `apply ${count === 1 ? `${row.version} ${row.name}` : `${count} migrations up to ${row.version}`}`,
    );
    // as `pgshift up`: a complete up (nothing left pending) runs the environment's new and changed seeds
    const complete = count === pending.filter((m) => m.state === 'pending' || opts.allowOutOfOrder).length;
    if (result?.ok && complete && this.ctx.projectConfig()?.config.seeds.afterUp !== false)
      await this.seed({ afterUp: true });
    return result;
  }

  /**
   * As `pgshift up` without --yes: a contract migration whose group's expand was applied less than
   * zeroDowntime.minSoak ago asks first, saying when the soak ends. The core checks again under the lock.
   */
  private async confirmSoak(
    set: MigrationSet,
    states: MigrationStatus[],
    to: string,
    opts: UpOptions,
  ): Promise<boolean> {
    const minSoak = this.ctx.projectConfig()?.config.zeroDowntime.minSoak;
    const minSoakMs = minSoak ? parseDurationMs(minSoak) : undefined;
    if (!minSoakMs) return true;
    opts.minSoakMs = minSoakMs;
    const toRun = set.migrations.filter(
      (m) =>
        compareVersions(m.version, to) <= 0 &&
        states.some((s) => s.version === m.version && (s.state === 'pending' || s.state === 'out-of-order')),
    );
    const refusals = unsoakedContracts(
      toRun.map((m) => ({ version: m.version, name: m.name, sql: m.up.sql })),
      states,
      minSoakMs,
    );
    if (!refusals.length) return true;
    const r = refusals[0];
    const ok = await vscode.window.showWarningMessage(
      `${r.version} ${r.name} contracts ${r.group} before its expand has soaked. Run it anyway?`,
      {
        modal: true,
        detail: `${r.message}. Run it only when every application instance runs the code that no longer uses the old schema (pgshift up --yes).`,
      },
      'Contract Now',
    );
    if (!ok) return false;
    opts.soakConfirmed = true;
    return true;
  }

  /**
   * Run Seeds (`pgshift seed`): the selected environment's new, changed and failed seed files, in
   * order, each in its own transaction; production runs only seeds/production/ and needs its name typed.
   */
  async seed({ afterUp = false }: { afterUp?: boolean } = {}): Promise<SeedRunResult | undefined> {
    const env = this.ctx.environments.selected();
    const { target } = await this.ctx.environments.resolve(env);
    assertMayWrite(target, 'seed', true); // read-only refuses; production is confirmed below
    if (
      !afterUp &&
      !(await confirmProduction(
        env,
        `pgshift: seed production environment "${env.label}"`,
        `This will run the new and changed files of seeds/production/ on ${target.description}.`,
      ))
    ) {
      this.ctx.output.info(`seed on ${env.label}: not confirmed, nothing ran`);
      return undefined;
    }
    if (this.live.isRunning())
      throw new PgshiftError('a migration is already running from this window', {
        hint: 'wait for it, or cancel it from the Migrations view',
      });
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `pgshift: seeds on ${env.label}` },
        (progress) =>
          this.ctx.sessions.use(
            env,
            async (s) => {
              const found = seedsFor(s.loaded, s.target);
              if (found.kind === 'no-folder') {
                if (afterUp) return undefined;
                throw new PgshiftError(`no seeds folder: ${found.dir}`, {
                  hint: 'create seeds/common/ (every environment but production) or seeds/<environment>/ with .sql files',
                });
              }
              if (found.kind === 'no-environment')
                throw new PgshiftError(found.message, { hint: found.hint });
              return runSeeds({
                driver: s.driver!,
                settings: s.settings,
                seeds: found.seeds,
                onSeed: (e) => {
                  if (e.type === 'seed-start') progress.report({ message: e.rel });
                  else if (e.ok) this.ctx.output.info(`  seeded ${e.rel} (${ms(e.ms)})`);
                  else this.ctx.output.error(`  ${e.rel} failed: ${e.error}`);
                },
              });
            },
            { purpose: 'write' },
          ),
      );
      if (!result) return undefined;
      const failed = result.ran.find((r) => !r.ok);
      const guarded = result.skipped.filter((x) => /marked production/.test(x.reason)).length;
      const note = guarded ? ` (${guarded} not run on production: only seeds/production/ runs there)` : '';
      if (failed)
        void this.notify(
          'error',
          `pgshift: seed ${failed.rel} failed on ${env.label}: ${failed.error}. The seeds before it stay applied; fix it and Run Seeds again.`,
        );
      else if (result.ran.length)
        void this.notify(
          'info',
          `pgshift: ${result.ran.length} seed file${result.ran.length === 1 ? '' : 's'} ran on ${env.label}${note}.`,
        );
      else if (!afterUp) this.nothing(`the seeds of ${env.label} are up to date${note}`);
      return result;
    } finally {
      this.afterRun();
    }
  }

  /** ◀ Down: rolls back `arg` and every migration applied after it (the palette offers the newest). */
  async down(arg?: unknown): Promise<RunResult | undefined> {
    const set = this.migrationSet();
    const env = this.ctx.environments.selected();
    const plan = await this.downPlan(arg, 'roll back');
    if (!plan) return undefined;
    const count = plan.versions.length;
    if (count > 1) {
      const ok = await vscode.window.showWarningMessage(
        `Roll back ${count} migrations on ${env.label}?`,
        { modal: true, detail: `Newest first: ${plan.versions.join(', ')}` },
        'Roll Back',
      );
      if (!ok) return undefined;
    }
    return this.write(
      'down',
      env,
      set,
      plan.opts,
      `roll back ${count === 1 ? plan.versions[0] : `${count} migrations down to ${plan.versions[count - 1]}`}`,
    );
  }

  /** Dry run of what ▶ Up (or ◀ Down) on `arg` would do, rolled back; the palette traces all pending. */
  async dryRun(arg?: unknown, direction: 'up' | 'down' = 'up'): Promise<DryRunReport | undefined> {
    const set = this.migrationSet();
    const env = this.ctx.environments.selected();
    let opts: UpOptions & DownOptions = {};
    let what: string;
    if (direction === 'down') {
      const plan = await this.downPlan(arg, 'dry-run the rollback of');
      if (!plan) return undefined;
      opts = plan.opts;
      what = `rollback of ${plan.versions.length === 1 ? plan.versions[0] : `${plan.versions.length} migrations`}`;
    } else {
      const version = versionOf(arg);
      if (version) {
        const states = await this.statuses();
        const row = states.find((m) => m.version !== '' && compareVersions(m.version, version) === 0);
        if (!row) throw new PgshiftError(`no migration has version ${version}`);
        if (APPLIED_STATES.includes(row.state)) {
          this.nothing(
            `${row.version} ${row.name} is already applied on ${env.label}: a dry run of up has nothing to do (try the dry run of its down script)`,
          );
          return undefined;
        }
        opts = { to: row.version, allowOutOfOrder: row.state === 'out-of-order' };
        what = `up to ${row.version}`;
      } else what = 'all pending';
    }
    const ac = new AbortController();
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `pgshift: dry run (${what}) on ${env.label}`,
        cancellable: true,
      },
      async (progress, token) => {
        token.onCancellationRequested(() => ac.abort());
        this.ctx.output.info(`dry run ${direction} (${what}) on ${env.label}`);
        return this.ctx.sessions.use(
          env,
          async (s) => {
            const r = await dryRun({
              driver: s.driver!,
              set,
              settings: s.settings,
              backup: s.backup,
              direction,
              ...opts,
              signal: ac.signal,
              onEvent: (e) => this.onEvent(e, progress),
              onStatement: (version, st) =>
                progress.report({ message: `${version} line ${st.line}: ${oneLineSql(st.sql, 60)}` }),
            });
            return { r, where: `${env.label} (${s.target.description})` };
          },
          { purpose: 'write', signal: ac.signal },
        );
      },
    );
    this.results.showDryRun(report.r, set, report.where);
    const r = report.r;
    const first = r.migrations.flatMap((m) => m.statements).find((s) => s.error);
    if (!r.migrations.length)
      this.nothing(`dry run on ${env.label}: nothing to ${direction === 'up' ? 'apply' : 'roll back'}`);
    else if (first)
      void this.notify(
        'error',
        `pgshift: the dry run stopped at a failing statement: ${first.error}. Nothing was changed.`,
      );
    else {
      const worst = worstOf(r);
      const n = r.migrations.length;
      void this.notify(
        'info',
        `pgshift: dry run of ${n === 1 ? `${r.migrations[0].version} ${r.migrations[0].name}` : `${n} migrations`} on ${env.label}, rolled back${worst ? ` — ${n > 1 ? `${worst.version}: ` : ''}${worst.text}` : ''}.`,
      );
    }
    return r;
  }

  /** Which migrations a rollback of `arg` undoes, newest first, as runner DownOptions. */
  private async downPlan(
    arg: unknown,
    verb: string,
  ): Promise<{ opts: DownOptions; versions: string[] } | undefined> {
    const env = this.ctx.environments.selected();
    const applied = (await this.statuses())
      .filter((m) => APPLIED_STATES.includes(m.state) && m.version !== '')
      .sort((a, b) => compareVersions(a.version, b.version));
    if (!applied.length) {
      this.nothing(`nothing to roll back on ${env.label}: no migration is applied`);
      return undefined;
    }
    let version = versionOf(arg);
    if (!version) {
      const pick = await vscode.window.showQuickPick(
        [...applied].reverse().map((m, i) => ({
          label: i === 0 ? `${m.version} (newest)` : `Down to and including ${m.version}`,
          description: m.name,
          version: m.version,
        })),
        { title: `pgshift: ${verb} on ${env.label}` },
      );
      if (!pick) return undefined;
      version = pick.version;
    }
    const i = applied.findIndex((m) => compareVersions(m.version, version!) === 0);
    if (i < 0) {
      this.nothing(`${version} is not applied on ${env.label}: nothing to roll back`);
      return undefined;
    }
    const versions = applied
      .slice(i)
      .map((m) => m.version)
      .reverse();
    return { opts: i === 0 ? { all: true } : { to: applied[i - 1].version }, versions };
  }

  private async write(
    command: WriteCommand & ('up' | 'down'),
    env: Environment,
    set: MigrationSet,
    opts: UpOptions & DownOptions,
    summary: string,
  ): Promise<RunResult | undefined> {
    const { target } = await this.ctx.environments.resolve(env);
    if (env.config?.readOnly) assertMayWrite(target, command, true); // throws: read-only refuses every write
    const confirmed = await confirmProduction(
      env,
      `pgshift: ${command} on production environment "${env.label}"`,
      `This will ${summary} on ${target.description}.`,
    );
    if (!confirmed) {
      this.ctx.output.info(`${command} on ${env.label}: not confirmed, nothing ran`);
      return undefined;
    }
    assertMayWrite(target, command, true);
    if (this.live.isRunning())
      throw new PgshiftError('a migration is already running from this window', {
        hint: 'wait for it, or cancel it from the Migrations view',
      });
    const ac = new AbortController();
    const started = Date.now();
    const cancel = (): void => {
      if (ac.signal.aborted) return;
      this.ctx.output.warn(`${command}: cancel requested; cancelling the running statement on the server`);
      ac.abort();
    };
    this.cancelCurrent = cancel;
    this.live.start(env.id);
    const bar = { version: '', percent: 0, offered: false };
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `pgshift: ${summary} on ${env.label}`,
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(cancel);
          this.ctx.output.info(`${command}: ${summary} on ${target.description} (${env.label})`);
          return this.ctx.sessions.use(
            env,
            (s) => {
              this.running = { env, target: s.target };
              const input = {
                driver: s.driver!,
                set,
                settings: s.settings,
                backup: s.backup,
                signal: ac.signal,
                paused: this.live.paused,
                // the live view's own session on the same target (the run's session is busy)
                openMonitor: () => openDriver(s.target.target, { applicationName: 'pgshift (VS Code)' }),
                onEvent: (e: RunnerEvent) => {
                  this.onEvent(e, progress);
                  this.onLiveEvent(e, progress, bar);
                },
                ...opts,
              };
              return command === 'up' ? up(input) : down(input);
            },
            { purpose: 'write', signal: ac.signal },
          );
        },
      );
      this.report(result, env, Date.now() - started);
      return result;
    } finally {
      this.running = undefined;
      this.cancelCurrent = undefined;
      this.live.finish();
      this.afterRun();
    }
  }

  /**
   * A batched backfill in the progress notification: the bar (percent of rows), rows/s and ETA, and
   * why it waits. VS Code's progress notification has only Cancel, so Pause/Resume come as the buttons of
   * a notification beside it (and on the running migration in the Migrations view, and in the palette).
   */
  private onLiveEvent(
    e: RunnerEvent,
    progress: Progress,
    bar: { version: string; percent: number; offered: boolean; monitorKey?: string },
  ): void {
    if (!this.live.onEvent(e)) return;
    // only batches, the health gate's waits and the monitor change what the notification says; a wait
    // can come before a statement's first batch, while it has no done/total yet
    const p = this.live.progress();
    if (!p) return;
    const say = (extra: { increment?: number; note?: string } = {}): void =>
      progress.report({
        increment: extra.increment,
        message: `${p.version}: ${liveText(p, ms)}${extra.note ?? ''}`,
      });
    if (e.type === 'batch') {
      if (bar.version !== e.version) Object.assign(bar, { version: e.version, percent: 0 });
      const percent = e.total > 0 ? (e.done / e.total) * 100 : 100;
      say({ increment: percent > bar.percent ? percent - bar.percent : undefined });
      bar.percent = Math.max(bar.percent, percent);
      if (!bar.offered) {
        bar.offered = true;
        this.offerPause(e.version);
      }
    } else if (e.type === 'paused') {
      const by = e.reason === PAUSED_BY_USER;
      this.ctx.output[by ? 'info' : 'warn'](`  ${e.version}: ${by ? 'paused' : `waiting: ${e.reason}`}`);
      say({ note: by ? ' — Resume from the notification or the Migrations view' : '' });
      if (by) this.offerResume(e.version);
    } else if (e.type === 'resumed') {
      this.ctx.output.info(`  ${e.version}: resumed`);
      say();
    } else if (e.type === 'blocked' || e.type === 'blocking') {
      // the log gets a line when who blocks, or whether anyone queues, changes; the notification every update
      const key = `${p.blockers.map((b) => b.pid).join(',')}|${p.queue.sessions}`;
      if (key !== bar.monitorKey) {
        bar.monitorKey = key;
        for (const b of p.blockers) this.ctx.output.warn(`  ${e.version}: waits on ${describeBlocker(b)}`);
        if (p.queue.sessions)
          this.ctx.output.warn(
            `  ${e.version}: ${p.queue.sessions} session(s) wait behind it (${p.queue.applicationNames.join(', ')})`,
          );
      }
      say();
    }
  }

  /** Pause and Cancel beside the progress notification; a click after the run ended does nothing. */
  private offerPause(version: string): void {
    void vscode.window
      .showInformationMessage(
        `pgshift: ${version} runs in batches, each committed with its checkpoint. Pause stops after the batch in flight; Resume or the next Up continues from there.`,
        'Pause',
        'Cancel',
      )
      .then((pick) => {
        if (!this.live.isRunning()) return;
        if (pick === 'Pause') this.pause();
        else if (pick === 'Cancel') this.cancel();
      });
  }

  private offerResume(version: string): void {
    void vscode.window
      .showInformationMessage(
        `pgshift: ${version} is paused; every finished batch is committed.`,
        'Resume',
        'Cancel',
      )
      .then((pick) => {
        if (!this.live.isRunning()) return;
        if (pick === 'Resume') {
          if (this.resume()) this.offerPause(version);
        } else if (pick === 'Cancel') this.cancel();
      });
  }

  private onEvent(e: RunnerEvent, progress: Progress): void {
    const out = this.ctx.output;
    switch (e.type) {
      case 'lock-wait':
        out.warn(e.message);
        progress.report({ message: e.message });
        break;
      case 'lock-acquired':
        out.debug('migration lock acquired');
        break;
      case 'warning':
        out.warn(e.message);
        break;
      case 'step-start':
        out.info(
          `${e.direction === 'up' ? '▶' : '◀'} ${e.version} ${e.name}: ${e.statements} statement${e.statements === 1 ? '' : 's'}${e.noTransaction ? ', outside a transaction' : ''}`,
        );
        progress.report({ message: `${e.version} ${e.name}` });
        break;
      case 'statement':
        out.info(`  line ${e.line}: ${oneLineSql(e.sql, 100)}`);
        progress.report({ message: `${e.version} line ${e.line}: ${oneLineSql(e.sql, 60)}` });
        break;
      case 'retry':
        out.warn(`  ${e.version}: ${e.error}; retrying in ${ms(e.delayMs)} (attempt ${e.attempt + 1})`);
        break;
      case 'backup': {
        const what = `backing up ${e.objects.map((o) => o.what).join(', ')} into ${e.schema} (≈ ${fmtBytes(e.bytes)})`;
        out.info(`  ${e.version}: ${what}`);
        progress.report({ message: `${e.version}: ${what}` });
        break;
      }
      case 'step-done': {
        const r = e.result;
        for (const b of r.backups ?? [])
          out.info(
            `  ${r.version}: backup ${b.id} verified: ${countText(b.rows)} rows, ${fmtBytes(b.bytes)}${b.file ? `, files in ${b.file}` : ''}`,
          );
        if (r.failure) out.error(`  ${r.version} ${r.outcome}: ${r.failure.error}`);
        else
          out.info(
            `  ${r.version} ${r.outcome} in ${ms(r.durationMs)}${r.empty ? ' (empty: nothing to run)' : ''}`,
          );
        break;
      }
    }
  }

  private report(result: RunResult, env: Environment, elapsedMs: number): void {
    this.results.showRun(result, env.label);
    const f = result.failure;
    if (f) {
      const cancelled = f.error === 'cancelled by the user';
      const what = cancelled ? 'was cancelled' : 'failed';
      const where = f.line ? ` at line ${f.line}` : '';
      this.ctx.output.error(
        `${f.version} ${f.name} ${f.direction === 'down' ? 'down ' : ''}${what}${where}: ${f.error}`,
      );
      if (f.statement) this.ctx.output.error(`  statement: ${oneLineSql(f.statement, 200)}`);
      this.ctx.output.info(`  next: ${f.nextStep}`);
      const message = `pgshift: ${f.version} ${f.name} ${what}${where}${cancelled ? '' : `: ${f.error}`}. ${f.rolledBack ? 'Nothing of it remains (rolled back).' : ''} Next: ${f.nextStep}`;
      void vscode.window[cancelled ? 'showWarningMessage' : 'showErrorMessage'](
        message,
        'Open File',
        'Show Log',
      ).then((pick) => {
        if (pick === 'Open File' && f.file) {
          const line = Math.max((f.line ?? 1) - 1, 0);
          void vscode.window.showTextDocument(vscode.Uri.file(f.file), {
            selection: new vscode.Range(line, 0, line, 0),
          });
        } else if (pick === 'Show Log') this.ctx.output.show();
      });
      return;
    }
    if (!result.ok) {
      void this.notify(
        'warning',
        `pgshift: stopped after ${result.steps.length} of ${result.planned} migrations (cancelled); the state on ${env.label} is as shown.`,
      );
      return;
    }
    if (result.planned === 0) {
      this.nothing(
        result.command === 'up' ? `nothing to apply on ${env.label}` : `nothing to roll back on ${env.label}`,
      );
      return;
    }
    const verb = result.command === 'up' ? 'Applied' : 'Rolled back';
    const n = result.steps.length;
    const text = `${verb} ${n === 1 ? `${result.steps[0].version} ${result.steps[0].name}` : `${n} migrations`} on ${env.label} in ${ms(elapsedMs)}`;
    this.ctx.output.info(text);
    void this.notify('info', `pgshift: ${text}.`);
  }

  private nothing(message: string): undefined {
    this.ctx.output.info(message);
    void this.notify('info', `pgshift: ${message}.`);
    return undefined;
  }

  /** Never awaited by a command: a notification must not hold the command's promise until dismissed. */
  private notify(kind: 'info' | 'warning' | 'error', message: string): Thenable<void> {
    const show =
      kind === 'info'
        ? vscode.window.showInformationMessage
        : kind === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showErrorMessage;
    return show(message, 'Show Log').then((pick) => {
      if (pick) this.ctx.output.show(true);
    });
  }
}
