/**
 * The Migrations view: every migration in version order with its state on the selected environment
 * (icon and colour per state, the date and duration when applied) and the linter's risk as a badge.
 * Click opens the up script; the context menu runs, dry-runs, reports, reveals in History, copies the
 * version (menus match on the item's contextValue). The state loads when the view first asks.
 */
import { phaseOf, type PhaseMark } from '../../core/expand/phases';
import * as vscode from 'vscode';
import { codeRunCommand, listCodeMigrations } from '../../core/frameworks/index';
import { TOOL_TITLES, type CodeStatusRow } from '../../core/frameworks/model';
import type { CodeProject } from '../../core/frameworks/project';
import { relative } from 'node:path';
import type { Severity } from '../../core/lint/types';
import { compareVersions } from '../../core/migrations/layouts';
import type { Migration, MigrationProblem } from '../../core/migrations/model';
import type { Blocker, MigrationStatus, SeedStatus, StepResult } from '../../core/runner';
import { CommandId } from '../command-ids';
import type { Ctx } from '../ctx';
import { describeState, ms, oneLineSql, when } from './format';
import { liveText, PAUSED_BY_USER, type LiveProgress, type LiveRun } from './live-run';
import type { ProjectState, Risk, StatusSnapshot } from './project-state';

export const RISK_SCHEME = 'pgshift-risk';

const STATE_ICON: Record<MigrationStatus['state'] | 'unknown', [string, string | undefined]> = {
  applied: ['pass-filled', 'testing.iconPassed'],
  pending: ['circle-large-outline', 'descriptionForeground'],
  failed: ['error', 'testing.iconFailed'],
  modified: ['diff-modified', 'gitDecoration.modifiedResourceForeground'],
  missing: ['question', 'list.warningForeground'],
  'out-of-order': ['arrow-swap', 'list.warningForeground'],
  running: ['sync~spin', 'charts.blue'],
  partial: ['debug-pause', 'list.warningForeground'],
  unknown: ['circle-large-outline', 'disabledForeground'],
};

/** How a step this run finished is drawn until the state is read again; failures wait for that read. */
function settledState(r: StepResult): { state: 'applied' | 'pending'; text: string } | undefined {
  if (r.outcome === 'applied') return { state: 'applied', text: `applied just now · ${ms(r.durationMs)}` };
  if (r.outcome === 'rolled-back')
    return { state: 'pending', text: `rolled back just now · ${ms(r.durationMs)}` };
  return undefined;
}

export class MigrationItem extends vscode.TreeItem {
  readonly kind = 'migration';
  readonly children: vscode.TreeItem[];
  constructor(
    readonly version: string,
    readonly migration: Migration | undefined,
    readonly status: MigrationStatus | undefined,
    risk: Risk | undefined,
    snap: StatusSnapshot,
    dir: string,
    /** this migration is being run from this window now: drawn from the run's events, not the last status */
    live?: LiveProgress,
    /** applied or rolled back by this window's run, before the state is read again from the database */
    settled?: StepResult,
  ) {
    const running = live ? runningChildren(version, live, snap) : [];
    super(
      migration?.name ?? status?.name ?? version,
      running.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    this.children = running;
    // another id while it has a Running section, so that VS Code opens it instead of keeping it closed
    this.id = `migration:${version || migration?.name}${running.length ? ':running' : ''}`;
    const justDone = !live && settled ? settledState(settled) : undefined;
    const state = live ? 'running' : (justDone?.state ?? status?.state ?? 'unknown');
    const [icon, color] =
      live?.pausedReason === PAUSED_BY_USER
        ? STATE_ICON.partial
        : live?.pausedReason
          ? ['watch', 'list.warningForeground']
          : STATE_ICON[state];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.description = live
      ? liveText(live, ms)
      : justDone
        ? justDone.text
        : status
          ? describeState(status)
          : snap.untrusted
            ? version
            : snap.loading
              ? '…'
              : snap.error
                ? 'unknown'
                : version;
    const mark = phaseMark(migration, status);
    if (mark) this.description = `${this.description ?? ''} · ${mark.phase} ${mark.group}`;
    // the badge: a FileDecorationProvider keyed on this uri (see RiskDecorations)
    if (risk?.worst)
      this.resourceUri = vscode.Uri.from({
        scheme: RISK_SCHEME,
        path: `/${version || this.label}`,
        query: riskQuery(risk),
      });
    this.contextValue = [
      'pgshift.migration',
      `state:${state}`,
      `down:${migration?.down ? 'yes' : 'no'}`,
      `file:${migration ? 'yes' : 'no'}`,
      `live:${live ? 'yes' : 'no'}`,
    ].join(' ');
    this.tooltip = tooltip(version, migration, status, risk, snap, dir);
    this.accessibilityInformation = { label: `${this.label}, ${version}, ${this.description}` };
    if (migration)
      this.command = {
        command: 'vscode.open',
        title: 'Open migration',
        arguments: [vscode.Uri.file(migration.up.file), openAt(migration)],
      };
  }
}

/** Where a migration starts in its file: a Liquibase changeset at its --changeset line, a dbmate section at its marker. */
function openAt(m: Migration): vscode.TextDocumentShowOptions | undefined {
  if (m.up.offset === 0) return undefined;
  const line = Math.max(0, (m.up.split?.line ?? 1) - 1 - (m.changeSet ? 1 : 0));
  return { selection: new vscode.Range(line, 0, line, 0) };
}

/** One session the running migration waits for: the Cancel query / Terminate session actions act on `pid`. */
export class BlockerItem extends vscode.TreeItem {
  readonly kind = 'blocker';
  constructor(
    readonly version: string,
    readonly blocker: Blocker,
    readOnly: boolean,
  ) {
    super(`waits on pid ${blocker.pid} ${blocker.applicationName || '(no application_name)'}`);
    const b = blocker;
    this.id = `blocker:${version}:${b.pid}`;
    this.iconPath = new vscode.ThemeIcon('lock', new vscode.ThemeColor('list.warningForeground'));
    this.description = [
      b.state ?? '',
      b.xactAgeMs !== null ? `transaction ${ms(b.xactAgeMs)}` : '',
      b.query.replace(/\s+/g, ' ').slice(0, 60),
    ]
      .filter(Boolean)
      .join(' · ');
    this.tooltip = new vscode.MarkdownString(
      `**pid ${b.pid}** · ${b.applicationName || '(no application_name)'}${b.user ? ` · ${b.user}` : ''}${b.client ? ` @ ${b.client}` : ''}\n\n` +
        `${b.state ?? ''}${b.xactAgeMs !== null ? `, its transaction open for ${ms(b.xactAgeMs)}` : ''}\n\n` +
        '```sql\n' +
        b.query +
        '\n```' +
        (readOnly ? '\n\nThis environment is read-only: no actions on other sessions.' : ''),
    );
    this.contextValue = `pgshift.blocker actions:${readOnly ? 'no' : 'yes'}`;
  }
}

/** The Running section of the migration being run: who it waits on, who waits behind it. */
function runningChildren(version: string, live: LiveProgress, snap: StatusSnapshot): vscode.TreeItem[] {
  const readOnly = snap.env.config?.readOnly === true;
  if (!live.blockers.length && !live.queue.sessions) return [];
  const out: vscode.TreeItem[] = [];
  const st = live.statement;
  if (st)
    out.push(
      new MessageItem(`line ${st.line}: ${oneLineSql(st.sql, 60)}`, 'play', {
        description: `running for ${ms(Date.now() - st.since)}`,
        tooltip: st.sql,
        contextValue: 'pgshift.runningStatement',
      }),
    );
  out.push(...live.blockers.map((b) => new BlockerItem(version, b, readOnly)));
  const q = live.queue;
  if (q.sessions > 0)
    out.push(
      new MessageItem(
        `${q.sessions} session${q.sessions === 1 ? '' : 's'} wait${q.sessions === 1 ? 's' : ''} behind it`,
        'warning',
        {
          description: `oldest ${ms(q.oldestWaitMs)}${q.applicationNames.length ? ` · ${q.applicationNames.join(', ')}` : ''}`,
          color: 'list.errorForeground',
          contextValue: 'pgshift.queued',
        },
      ),
    );
  return out;
}

class MessageItem extends vscode.TreeItem {
  readonly kind = 'message';
  constructor(
    label: string,
    icon: string,
    options: {
      description?: string;
      tooltip?: string;
      command?: vscode.Command;
      color?: string;
      children?: MessageItem[];
      contextValue?: string;
    } = {},
  ) {
    super(
      label,
      options.children?.length
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    this.iconPath = new vscode.ThemeIcon(
      icon,
      options.color ? new vscode.ThemeColor(options.color) : undefined,
    );
    this.description = options.description;
    this.tooltip = options.tooltip;
    this.command = options.command;
    this.contextValue = options.contextValue ?? 'pgshift.message';
    this.children = options.children ?? [];
  }
  readonly children: MessageItem[];
}

export type MigrationsNode = MigrationItem | MessageItem | BlockerItem;

function riskQuery(r: Risk): string {
  return new URLSearchParams({
    worst: r.worst ?? '',
    e: String(r.counts.error),
    w: String(r.counts.warning),
    i: String(r.counts.info + r.counts.hint),
    rules: r.rules.join(','),
  }).toString();
}

/** `-- pgshift:phase` of the migration: from the status when read, else from the file. */
function phaseMark(m: Migration | undefined, s: MigrationStatus | undefined): PhaseMark | undefined {
  if (s?.phase && s.group) return { phase: s.phase, group: s.group };
  return m ? phaseOf(m.up.sql) : undefined;
}

function tooltip(
  version: string,
  m: Migration | undefined,
  s: MigrationStatus | undefined,
  risk: Risk | undefined,
  snap: StatusSnapshot,
  dir: string,
): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${version}** ${m?.name ?? s?.name ?? ''}\n\n`);
  if (s) {
    md.appendMarkdown(`$(database) ${snap.env.label}: **${s.state}**`);
    if (s.appliedAt) md.appendMarkdown(` ${when(s.appliedAt, true)}`);
    if (s.executionMs != null) md.appendMarkdown(` in ${ms(s.executionMs)}`);
    md.appendMarkdown('\n\n');
    if (s.failure) {
      const f = s.failure;
      md.appendMarkdown(
        `${f.interrupted ? 'interrupted' : 'failed'}${f.line ? ` at line ${f.line}` : ''}${f.error ? `: ${f.error}` : ''}\n\n`,
      );
      md.appendMarkdown(`next: \`pgshift resolve ${version} --applied\` or \`--rolled-back\`\n\n`);
    }
    if (s.state === 'modified')
      md.appendMarkdown(
        'edited after it was applied: restore the file and put the change in a new migration\n\n',
      );
  } else if (snap.untrusted) md.appendMarkdown('state not read: the workspace is not trusted\n\n');
  else if (snap.error) md.appendMarkdown(`state unknown: ${snap.error}\n\n`);
  const mark = phaseMark(m, s);
  if (mark) {
    const line = snap.report?.groups.find((g) => g.group === mark.group)?.text;
    md.appendMarkdown(
      `$(layers) ${mark.phase} phase of expand/contract group \`${mark.group}\`${line ? ` — ${line.slice(mark.group.length + 2)}` : ''}\n\n`,
    );
  }
  if (risk?.worst) {
    const parts = (['error', 'warning', 'info'] as Severity[])
      .filter((k) => risk.counts[k])
      .map((k) => `${risk.counts[k]} ${k}${risk.counts[k] === 1 ? '' : 's'}`);
    md.appendMarkdown(
      `$(${risk.worst === 'error' ? 'error' : risk.worst === 'warning' ? 'warning' : 'info'}) risk: ${parts.join(', ')} — ${risk.rules.join(', ')}\n\n`,
    );
  } else if (risk) md.appendMarkdown('$(pass) no lint findings\n\n');
  if (m)
    md.appendMarkdown(
      `${relative(dir, m.up.file)}${m.down && m.down.file !== m.up.file ? ` · ${relative(dir, m.down.file)}` : ''}${
        s?.onlyNonTransactional
          ? ` · outside a transaction (it holds only ${s.onlyNonTransactional.join(', ')})`
          : m.up.noTransaction
            ? ' · outside a transaction'
            : ''
      }`,
    );
  return md;
}

export class MigrationsTree implements vscode.TreeDataProvider<MigrationsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private view?: vscode.TreeView<MigrationsNode>;
  private progress?: () => void;

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
    private readonly live: LiveRun,
  ) {
    this.subscriptions.push(
      state.onDidChange(() => this.changed.fire()),
      live.onDidChange(() => this.changed.fire()),
    );
  }

  attach(view: vscode.TreeView<MigrationsNode>): void {
    this.view = view;
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: MigrationsNode): vscode.TreeItem {
    return item;
  }

  getParent(): undefined {
    return undefined;
  }

  getChildren(parent?: MigrationsNode): MigrationsNode[] {
    if (parent)
      return parent instanceof MessageItem || parent instanceof MigrationItem
        ? (parent.children as MigrationsNode[])
        : [];
    const d = this.state.migrations();
    if (d.error)
      return [
        new MessageItem('Cannot read the migrations folder', 'warning', {
          tooltip: d.error,
          color: 'list.warningForeground',
        }),
      ];
    if (d.code) return this.codeItems(d.code);
    const set = d.set;
    if (!set || !set.migrations.length) {
      this.describeView();
      return [];
    }
    const snap = this.state.status();
    this.describeView(snap);
    const items: MigrationsNode[] = [];
    if (snap.error)
      items.push(
        new MessageItem(`Cannot read the state on ${snap.env.label}`, 'warning', {
          description: snap.error,
          tooltip: `${snap.error}\n\nClick to test the connection; switch to the Local sandbox from the status bar.`,
          color: 'list.warningForeground',
          command: { command: CommandId.testConnection, title: 'Test connection' },
          contextValue: 'pgshift.connectionError',
        }),
      );
    const byVersion = new Map(set.migrations.map((m) => [m.version || `R:${m.name}`, m]));
    const rows = snap.report?.migrations ?? [];
    const seen = new Set<string>();
    // the status lists every migration (and missing ones) in order; files alone when it is not known
    for (const s of rows) {
      const key = s.version || `R:${s.name}`;
      seen.add(key);
      const m = byVersion.get(key);
      items.push(
        new MigrationItem(
          s.version,
          m,
          s,
          m ? this.state.risk(m) : undefined,
          snap,
          set.dir,
          this.live.of(s.version),
          this.settled(s.version, snap),
        ),
      );
    }
    for (const m of set.migrations) {
      const key = m.version || `R:${m.name}`;
      if (!seen.has(key))
        items.push(
          new MigrationItem(
            m.version,
            m,
            undefined,
            this.state.risk(m),
            snap,
            set.dir,
            this.live.of(m.version),
            this.settled(m.version, snap),
          ),
        );
    }
    // a seeds folder with files for any environment (an empty one shows nothing yet)
    if (snap.seeds && (snap.seeds.statuses.length || snap.seeds.set.skipped.length))
      items.push(seedsItem(snap.seeds, snap));
    const problems = set.problems.filter((p) => p.severity !== 'info');
    if (problems.length) items.push(problemsItem(problems, set.dir));
    return items.sort(byOrder);
  }

  /**
   * A code-based tool's project: a header naming the tool, why pgshift thinks so and the command that
   * applies, then its migrations with the state from its own table. No run actions: the tool runs them.
   */
  private codeItems(code: CodeProject): MigrationsNode[] {
    const snap = this.state.status();
    this.describeView(snap);
    const d = code.detection;
    const title = TOOL_TITLES[d.tool];
    if (this.view && snap.absent)
      this.view.message = `${snap.env.label} does not exist yet, so ${title} has applied nothing there: pick the environment ${title} migrates from the status bar.`;
    const report = snap.code;
    const command = codeRunCommand(d);
    const items: MigrationsNode[] = [
      new MessageItem(title, 'info', {
        description: `read only · ${command}`,
        tooltip: `${title}: ${d.reasons.join('; ')}.\n\nIts table ${report?.snapshot.table ?? ''} is the truth; \`${command}\` applies its migrations, pgshift shows and lints them.${
          code.others.length
            ? `\n\nAlso found: ${code.others.map((o) => TOOL_TITLES[o.tool]).join(', ')}`
            : ''
        }`,
        contextValue: 'pgshift.framework',
      }),
    ];
    if (snap.error)
      items.push(
        new MessageItem(`Cannot read the state on ${snap.env.label}`, 'warning', {
          description: snap.error,
          color: 'list.warningForeground',
        }),
      );
    const set = report?.set ?? listCodeMigrations(d);
    const rows: CodeStatusRow[] =
      report?.rows ??
      set.migrations.map((m) => ({
        key: m.key,
        label: m.label,
        file: m.file,
        state: 'pending',
        appliedAt: null,
      }));
    for (const r of rows) {
      const icon =
        r.state === 'applied' ? 'pass-filled' : r.state === 'pending' ? 'circle-large-outline' : 'question';
      const color =
        r.state === 'applied'
          ? 'testing.iconPassed'
          : r.state === 'unknown-in-db'
            ? 'list.warningForeground'
            : undefined;
      items.push(
        new MessageItem(r.label, icon, {
          description: report
            ? `${r.state}${r.appliedAt ? ` · ${r.appliedAt.replace('T', ' ').replace(/\.\d+$/, '')}` : ''}`
            : 'state not read yet',
          tooltip: r.state === 'unknown-in-db' ? `in ${report?.snapshot.table} but no file names it` : r.file,
          color,
          contextValue: 'pgshift.codeMigration',
          ...(r.file
            ? { command: { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(r.file)] } }
            : {}),
        }),
      );
    }
    // the listing's problems (an Alembic parent with no file, what Django refuses), with the next step
    const problems = set.problems.filter((p) => p.severity !== 'info');
    if (problems.length) items.push(problemsItem(problems, d.root));
    return items;
  }

  /** what this window's run settled, while the state read from the database does not show it yet */
  private settled(version: string, snap: StatusSnapshot): StepResult | undefined {
    if (!this.live.isRunning() && !snap.loading) return undefined;
    return this.live.settled(version, snap.env.id);
  }

  private describeView(snap?: StatusSnapshot): void {
    if (!this.view) return;
    const env = snap?.env ?? this.ctx.environments.selected();
    this.view.description = env.label;
    this.view.message = snap?.untrusted
      ? 'Restricted mode: states are not read and nothing runs. Linting works.'
      : snap?.absent
        ? `${env.label} not created yet: the first ▶ Up or Dry run creates it in .pgshift/db.`
        : undefined;
    if (snap?.loading && !this.progress) {
      void vscode.window.withProgress(
        { location: { viewId: 'pgshift.migrations' } },
        () => new Promise<void>((resolve) => (this.progress = resolve)),
      );
    } else if (!snap?.loading && this.progress) {
      this.progress();
      this.progress = undefined;
    }
  }

  dispose(): void {
    this.progress?.();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

function byOrder(a: MigrationsNode, b: MigrationsNode): number {
  const rank = (n: MigrationsNode): number =>
    n instanceof MessageItem ? (n.contextValue === 'pgshift.connectionError' ? 0 : 2) : 1;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a instanceof MigrationItem && b instanceof MigrationItem) {
    if (!a.version || !b.version) return a.version ? -1 : b.version ? 1 : 0; // repeatables last
    return compareVersions(a.version, b.version);
  }
  return 0;
}

const SEED_ICON: Record<SeedStatus['state'], [string, string]> = {
  applied: ['pass-filled', 'testing.iconPassed'],
  pending: ['circle-large-outline', 'descriptionForeground'],
  changed: ['diff-modified', 'gitDecoration.modifiedResourceForeground'],
  failed: ['error', 'testing.iconFailed'],
};

/** The environment's seed files with their state, and on production the files it will not run. */
function seedsItem(seeds: NonNullable<StatusSnapshot['seeds']>, snap: StatusSnapshot): MessageItem {
  const { set, statuses } = seeds;
  const open = (file: string): vscode.Command => ({
    command: 'vscode.open',
    title: 'Open',
    arguments: [vscode.Uri.file(file)],
  });
  const children = statuses.map((st) => {
    const [icon, color] = SEED_ICON[st.state];
    const description =
      st.state === 'applied'
        ? `applied ${when(st.last!.finishedAt)} · ${ms(st.last!.executionMs)}`
        : st.state === 'changed'
          ? 'changed: runs again on the next Up or Run Seeds'
          : st.state === 'pending'
            ? 'new: runs on the next Up or Run Seeds'
            : `failed: ${st.error ?? ''}`;
    return new MessageItem(st.rel, icon, {
      description,
      tooltip: `${st.rel} on ${snap.env.label}: ${description}`,
      color,
      command: open(st.file),
    });
  });
  const guarded = set.skipped.filter((x) => /marked production/.test(x.reason));
  for (const x of guarded)
    children.push(
      new MessageItem(x.rel, 'circle-slash', {
        description: 'not run on production',
        tooltip: x.reason,
        color: 'disabledForeground',
        command: open(`${set.dir}/${x.rel}`),
      }),
    );
  const count = (k: SeedStatus['state']): number => statuses.filter((x) => x.state === k).length;
  const todo = count('pending') + count('changed') + count('failed');
  const summary = statuses.length
    ? todo
      ? `${todo} to run${count('failed') ? ` (${count('failed')} failed)` : ''} · ${count('applied')} applied`
      : `${count('applied')} applied`
    : 'none for this environment';
  const node = new MessageItem(
    `Seeds (${set.environment}${set.production ? ', production' : ''})`,
    'database',
    {
      description: summary,
      tooltip: `seed data of "${set.environment}": ${set.production ? 'seeds/production/ only (marked production)' : 'seeds/common/ then seeds/' + set.environment + '/'}; each file runs once, and again when it changes`,
      children,
      contextValue: 'pgshift.seeds',
    },
  );
  // open, with a stable id: VS Code keeps what the user chose when the state is read again after a run
  node.id = `seeds:${set.environment}`;
  if (children.length) node.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
  return node;
}

function problemsItem(problems: MigrationProblem[], dir: string): MessageItem {
  return new MessageItem(
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in the migrations folder`,
    'warning',
    {
      color: 'list.warningForeground',
      children: problems.map(
        (p) =>
          new MessageItem(p.message, p.severity === 'error' ? 'error' : 'warning', {
            description: relative(dir, p.file),
            tooltip: p.message,
            command: p.file
              ? { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(p.file)] }
              : undefined,
          }),
      ),
    },
  );
}

/** The risk badge of a migration item: worst severity as colour, the count as badge. */
export class RiskDecorations implements vscode.FileDecorationProvider {
  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== RISK_SCHEME) return undefined;
    const q = new URLSearchParams(uri.query);
    const worst = q.get('worst') as Severity | '';
    if (!worst) return undefined;
    const e = Number(q.get('e')),
      w = Number(q.get('w')),
      i = Number(q.get('i'));
    const count = worst === 'error' ? e : worst === 'warning' ? w : i;
    const color =
      worst === 'error'
        ? 'problemsErrorIcon.foreground'
        : worst === 'warning'
          ? 'problemsWarningIcon.foreground'
          : 'problemsInfoIcon.foreground';
    const parts = [
      e ? `${e} error${e === 1 ? '' : 's'}` : '',
      w ? `${w} warning${w === 1 ? '' : 's'}` : '',
      i ? `${i} info` : '',
    ].filter(Boolean);
    return {
      badge: count > 9 ? '9+' : String(count),
      tooltip: `risk: ${parts.join(', ')} (${q.get('rules')})`,
      color: new vscode.ThemeColor(color),
      propagate: false,
    };
  }
}
