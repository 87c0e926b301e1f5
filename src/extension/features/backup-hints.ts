/**
 * A hint on each statement of a migration that destroys data, saying it is backed up automatically
 * before it runs, into which schema, and about how big the copy will be on the selected environment
 * (from its catalog, when it is reachable; cached for a minute). Nothing on the Local sandbox under
 * backup.mode 'auto', nor with backups off: there the hint would not be true.
 */
import * as vscode from 'vscode';
import { planBackups, describeTarget } from '../../core/runner/backup-plan';
import { sizeBackup } from '../../core/runner/backup';
import type { ScriptStatement } from '../../core/runner/statements';
import type { SourceText } from '../../core/sql/source';
import { splitStatements } from '../../core/sql/splitter';
import { fmtBytes } from '../../core/text';
import type { Ctx } from '../ctx';
import { toVsRange } from '../positions';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import { isSandbox } from './environments';
import type { ProjectState } from './project-state';

const CACHE_MS = 60_000;

export class BackupHints {
  private readonly sizes = new Map<string, { at: number; bytes: number | 'none' | undefined }>();

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
  ) {}

  async hints(doc: vscode.TextDocument, source: SourceText): Promise<vscode.Diagnostic[]> {
    if (!this.state.findByFile(doc.fileName)) return [];
    const loaded = this.ctx.projectConfig();
    if (!loaded || !this.ctx.trusted) return [];
    const env = this.ctx.environments.selected();
    const mode = loaded.config.backup.mode;
    if (mode === 'off' || (mode === 'auto' && isSandbox(env))) return [];
    const ranges = splitStatements(source.bytes).statements;
    const statements = ranges.map((r) => ({
      sql: source.slice(r.start, r.end),
      line: source.positionAt(r.start).line + 1,
    }));
    const plans = await planBackups(statements, { postgresVersion: loaded.config.postgresVersion });
    const out: vscode.Diagnostic[] = [];
    for (const p of plans) {
      const r = ranges[p.statement];
      const what = p.targets.map(describeTarget).join(', ');
      const bytes = await this.size(env.id, statements[p.statement]);
      // the catalog says the runner would copy nothing (a widening type change): no hint
      if (bytes === 'none') continue;
      const d = new vscode.Diagnostic(
        toVsRange(source, { start: r.start, end: r.end }),
        `backed up automatically before it runs${bytes !== undefined ? ` (≈ ${fmtBytes(bytes)} on ${env.label})` : ''}: ${what} into ${loaded.config.backup.schema}; \`pgshift restore\` or Restore Backup… in History puts it back`,
        vscode.DiagnosticSeverity.Hint,
      );
      d.source = DIAGNOSTIC_SOURCE;
      d.code = 'backup';
      out.push(d);
    }
    return out;
  }

  /**
   * The copy's size on the environment as the runner would plan it (sizeBackup), when it can be read
   * quickly; 'none' when the runner would copy nothing; undefined when the environment cannot say.
   */
  private async size(envId: string, stmt: ScriptStatement): Promise<number | 'none' | undefined> {
    const k = `${envId}\n${stmt.sql}`;
    const hit = this.sizes.get(k);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.bytes;
    let bytes: number | 'none' | undefined;
    try {
      bytes = await this.ctx.sessions.use(
        this.ctx.environments.selected(),
        async (s) => {
          if (!s.driver) return undefined;
          const b = await sizeBackup(s.driver, [stmt], (await s.driver.serverVersion()).major);
          return b ? b.bytes : 'none';
        },
        { purpose: 'read', prompt: false, timeoutMs: 3000 },
      );
    } catch {
      bytes = undefined;
    }
    this.sizes.set(k, { at: Date.now(), bytes });
    return bytes;
  }
}
