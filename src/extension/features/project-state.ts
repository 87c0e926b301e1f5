/**
 * What the Migrations view, the code lenses and the status bar show, loaded lazily and shared: the
 * migrations on disk (discoverMigrations, no I/O beyond the folder), their state on the selected
 * environment (runner `status`, loaded the first time someone asks, never at activation), and a
 * risk summary per migration from the linter (loaded the same way; it starts the parser).
 * Nothing here blocks: callers get what is known now and `onDidChange` when more is.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import {
  codeProjectOf,
  codeStatusReport,
  type CodeProject,
  type CodeStatusReport,
} from '../../core/frameworks/project';
import { lintFiles, lintOptionsFromConfig } from '../../core/lint/lint-files';
import type { Severity } from '../../core/lint/types';
import { chooseMigrations } from '../../core/migrations/choose';
import { discoverMigrations, discoveryOptions } from '../../core/migrations/discover';
import { compareVersions } from '../../core/migrations/layouts';
import type { Migration, MigrationSet } from '../../core/migrations/model';
import {
  seedsFor,
  seedStates,
  seedStatus,
  status,
  type MigrationStatus,
  type SeedSet,
  type SeedStatus,
  type StatusReport,
} from '../../core/runner';
import { ContextKey } from '../command-ids';
import type { Ctx } from '../ctx';
import { errorText } from './format';
import type { Environment } from './environments';

export interface Discovery {
  set?: MigrationSet;
  /** the folder that was searched, when there is a project */
  dir?: string;
  error?: string;
  /** the project's migrations are a code-based tool's (Django, Rails, ...): shown from its table, never run */
  code?: CodeProject;
}

export interface StatusSnapshot {
  env: Environment;
  report?: StatusReport;
  /** one line: why the state could not be read */
  error?: string;
  loading: boolean;
  /** the embedded database does not exist yet: everything is pending */
  absent?: boolean;
  /** where the state comes from, without secrets */
  description?: string;
  untrusted?: boolean;
  /** the environment's seed files and their state, when the project has a seeds folder */
  seeds?: { set: SeedSet; statuses: SeedStatus[] };
  /** a code-based tool's migrations with the state its own table holds */
  code?: CodeStatusReport;
}

export interface Risk {
  worst?: Severity;
  counts: Record<Severity, number>;
  rules: string[];
}

const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'info', 'hint'];

export class ProjectState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** anything shown changed: files, states or risks */
  readonly onDidChange = this.changed.event;
  private readonly databaseChanged = new vscode.EventEmitter<void>();
  /** a run finished or the user asked to refresh: what the database says may have changed */
  readonly onDidChangeDatabase = this.databaseChanged.event;

  private discovery?: Discovery;
  private current?: StatusSnapshot;
  private generation = 0;
  private risks?: Map<string, Risk>;
  private risksLoading = false;
  private riskGeneration = 0;
  private refreshTimer?: NodeJS.Timeout;
  private readonly idleWaiters: (() => void)[] = [];

  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    // a switched environment: whoever shows the state asks again, and status() reads the new one
    this.subscriptions.push(ctx.environments.onDidChange(() => this.changed.fire()));
  }

  migrations(): Discovery {
    if (!this.discovery) this.discovery = this.discover();
    return this.discovery;
  }

  private discover(): Discovery {
    const loaded = this.ctx.projectConfig();
    if (!loaded) return {};
    // the config's folder, or the tool detected from the project's files (a Prisma project's prisma/migrations)
    const choice = chooseMigrations(loaded);
    const dir = choice.dir;
    let d: Discovery;
    let code: CodeProject | undefined;
    try {
      code = codeProjectOf(loaded);
    } catch (e) {
      return { dir, error: errorText(e) };
    }
    if (code) d = { dir, code };
    else if (!existsSync(dir)) d = { dir };
    else {
      try {
        d = { dir, set: discoverMigrations(dir, choice.layout, discoveryOptions(loaded.config)) };
      } catch (e) {
        d = { dir, error: errorText(e) };
      }
    }
    void vscode.commands.executeCommand(
      'setContext',
      ContextKey.hasMigrations,
      (d.set?.migrations.length ?? 0) > 0,
    );
    void vscode.commands.executeCommand('setContext', ContextKey.codeFramework, d.code !== undefined);
    return d;
  }

  /** The migration a file belongs to, and which of its scripts the file holds. */
  findByFile(file: string): { migration: Migration; up: boolean; down: boolean } | undefined {
    for (const m of this.migrations().set?.migrations ?? []) {
      const up = m.up.file === file;
      const down = m.down?.file === file;
      if (up || down) return { migration: m, up, down };
    }
    return undefined;
  }

  findByVersion(version: string): Migration | undefined {
    return this.migrations().set?.migrations.find(
      (m) => !m.repeatable && compareVersions(m.version, version) === 0,
    );
  }

  /** The state on the selected environment as known now; starts loading it when nobody has yet. */
  status(): StatusSnapshot {
    const env = this.ctx.environments.selected();
    if (!this.ctx.trusted) return { env, loading: false, untrusted: true };
    if (!this.current || this.current.env.id !== env.id) this.load(env);
    return this.current!;
  }

  /** What is known of the selected environment's state, without starting a read. */
  peek(): StatusSnapshot | undefined {
    const env = this.ctx.environments.selected();
    return this.current?.env.id === env.id ? this.current : undefined;
  }

  /** The status of one migration on the selected environment, if loaded. */
  statusOf(version: string): MigrationStatus | undefined {
    return this.current?.report?.migrations.find(
      (m) => m.version !== '' && compareVersions(m.version, version) === 0,
    );
  }

  /** Resolves once no status load is running (for commands and tests that need the fresh state). */
  whenLoaded(): Promise<StatusSnapshot> {
    const snap = this.status();
    if (!snap.loading) return Promise.resolve(snap);
    return new Promise((resolve) => this.idleWaiters.push(() => resolve(this.current ?? snap)));
  }

  private load(env: Environment): void {
    const generation = ++this.generation;
    const previous = this.current?.env.id === env.id ? this.current : undefined;
    this.current = { env, loading: true, report: previous?.report, description: previous?.description };
    const set = this.migrations().set;
    const code = this.migrations().code;
    void (async () => {
      let next: StatusSnapshot;
      try {
        next = await this.ctx.sessions.use(
          env,
          async (s) => {
            const report = set ? await status({ driver: s.driver, set, settings: s.settings }) : undefined;
            // SELECTs on the tool's table only: pgshift never writes a code-based tool's state
            const codeReport = code ? await codeStatusReport(s.driver, code.detection) : undefined;
            const found = seedsFor(s.loaded, s.target);
            const seeds =
              found.kind === 'seeds'
                ? {
                    set: found.seeds,
                    statuses: s.driver
                      ? await seedStatus(s.driver, found.seeds, s.settings.historySchema)
                      : seedStates(found.seeds, []),
                  }
                : undefined;
            return {
              env,
              report,
              loading: false,
              absent: !s.driver,
              description: s.target.description,
              seeds,
              ...(codeReport ? { code: codeReport } : {}),
            };
          },
          { purpose: 'read', prompt: false },
        );
      } catch (e) {
        const msg = errorText(e);
        this.ctx.output.warn(`status on ${env.label}: ${msg}`);
        next = { env, loading: false, error: msg };
      }
      if (generation !== this.generation) return; // a newer load replaced this one
      this.current = next;
      void vscode.commands.executeCommand('setContext', ContextKey.connectionFailed, !!next.error);
      for (const w of this.idleWaiters.splice(0)) w();
      this.changed.fire();
    })();
  }

  /** Reads the state again (after a run, a file change, an environment switch or Refresh). */
  refreshStatus(): void {
    if (!this.ctx.trusted) return this.changed.fire();
    // a load that nobody asked for yet can wait until someone does
    if (!this.current) return this.changed.fire();
    this.load(this.ctx.environments.selected());
    this.changed.fire();
  }

  /** After a run or an explicit refresh: states and history both. */
  databaseMayHaveChanged(): void {
    this.refreshStatus();
    this.databaseChanged.fire();
  }

  /** The files changed on disk: discover again, lint again, and re-derive the states (debounced). */
  filesChanged(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.discovery = undefined;
      this.risks = undefined;
      this.riskGeneration++;
      this.refreshStatus();
    }, 250);
  }

  /** Config or settings changed: everything again, now. */
  reset(): void {
    this.discovery = undefined;
    this.risks = undefined;
    this.riskGeneration++;
    this.current = undefined;
    this.generation++;
    for (const w of this.idleWaiters.splice(0)) w();
    this.changed.fire();
  }

  /** The linter's verdict on a migration (its up and down files); undefined until computed. */
  risk(m: Migration): Risk | undefined {
    if (!this.risks) {
      this.loadRisks();
      return undefined;
    }
    const up = this.risks.get(m.up.file);
    const down = m.down && m.down.file !== m.up.file ? this.risks.get(m.down.file) : undefined;
    if (!up && !down) return undefined;
    const counts = { error: 0, warning: 0, info: 0, hint: 0 };
    const rules = new Set<string>();
    for (const r of [up, down]) {
      if (!r) continue;
      for (const s of SEVERITY_ORDER) counts[s] += r.counts[s];
      r.rules.forEach((x) => rules.add(x));
    }
    return { worst: SEVERITY_ORDER.find((s) => counts[s] > 0), counts, rules: [...rules] };
  }

  private loadRisks(): void {
    if (this.risksLoading) return;
    const loaded = this.ctx.projectConfig();
    const set = this.migrations().set;
    if (!loaded || !set) return;
    this.risksLoading = true;
    const generation = this.riskGeneration;
    const files = [...new Set(set.migrations.flatMap((m) => [m.up.file, ...(m.down ? [m.down.file] : [])]))];
    void lintFiles(files, lintOptionsFromConfig(loaded.config))
      .then((results) => {
        if (generation !== this.riskGeneration) return;
        const map = new Map<string, Risk>();
        for (const r of results) {
          const counts = { error: 0, warning: 0, info: 0, hint: 0 };
          for (const f of r.findings) counts[f.severity]++;
          map.set(r.file, {
            worst: SEVERITY_ORDER.find((s) => counts[s] > 0),
            counts,
            rules: [...new Set(r.findings.map((f) => f.rule))],
          });
        }
        this.risks = map;
        this.changed.fire();
      })
      .catch((e) => this.ctx.output.error(`risk summary: ${errorText(e)}`))
      .finally(() => {
        this.risksLoading = false;
        // the files changed while linting: whoever asks next starts a fresh pass
        if (generation !== this.riskGeneration) this.changed.fire();
      });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    clearTimeout(this.refreshTimer);
    this.changed.dispose();
    this.databaseChanged.dispose();
  }
}
