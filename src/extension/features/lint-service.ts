/**
 * Lints open SQL documents through the same core call as the CLI, with the project's config, and keeps the
 * latest result per document for diagnostics, hovers and code actions.
 */
import * as vscode from 'vscode';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { globToRegExp, walkFiles } from '../../core/files';
import { lintWith, type LintResult } from '../../core/lint/engine';
import { lintOptionsFromConfig, runsOutsideTransaction, schemaBefore } from '../../core/lint/lint-files';
import type { SchemaModel } from '../../core/lint/schema';
import { loadParser } from '../../core/sql/parser';
import type { Ctx } from '../ctx';
import { detectCodeFrameworks, frameworkOfFile, type CodeDetection } from '../../core/frameworks/index';
import { codeLanguageOf, lintCode } from '../../core/frameworks/lint-code';
import { codeProjectOf } from '../../core/frameworks/project';
import { listCodeMigrations } from '../../core/frameworks/index';
import { hasOfflineSql, lintOfflineMigrations } from '../../core/frameworks/offline-run';
import type { LintOptions } from '../../core/lint/types';

export interface DocumentLint {
  version: number;
  result: LintResult;
}

export class LintService implements vscode.Disposable {
  private readonly results = new Map<string, DocumentLint>();
  /** prior-schema per file path, dropped whenever a migration file changes on disk */
  private readonly priorSchemas = new Map<string, Promise<{ schema?: SchemaModel; direction?: 'down' }>>();
  /** the code-based tools of the project, for the config they were detected with */
  private detections?: { loaded: object; found: CodeDetection[] };

  /** the offline SQL run of each code migration, for the document version it was started for */
  private readonly offlineRuns = new Map<string, { key: string; run: Promise<LintResult | undefined> }>();

  constructor(private readonly ctx: Ctx) {}

  /**
   * True for SQL files the project's include/exclude globs select (any .sql when no config), and for
   * the code migrations (.py/.rb/.js/.ts/.cs) of a detected code-based tool, whose SQL strings are linted.
   */
  wants(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme !== 'file') return false;
    if (codeLanguageOf(doc.fileName)) return this.codeMigration(doc.fileName) !== undefined;
    if (!(doc.languageId === 'sql' || doc.fileName.endsWith('.sql'))) return false;
    const loaded = this.ctx.projectConfig();
    if (!loaded) return false;
    const rel = vscode.workspace.asRelativePath(doc.uri, false);
    const base = rel.split('/').pop() ?? rel;
    const inc = loaded.config.include.map(globToRegExp);
    const exc = loaded.config.exclude.map(globToRegExp);
    return inc.some((r) => r.test(rel) || r.test(base)) && !exc.some((r) => r.test(rel));
  }

  get(doc: vscode.TextDocument): DocumentLint | undefined {
    const r = this.results.get(doc.uri.toString());
    return r && r.version === doc.version ? r : undefined;
  }

  /** The code-based tool whose migrations folder holds `file` (detected once per config). */
  private codeMigration(file: string): CodeDetection | undefined {
    const loaded = this.ctx.projectConfig();
    if (!loaded) return undefined;
    if (this.detections?.loaded !== loaded) {
      let found: CodeDetection[] = [];
      try {
        const p = codeProjectOf(loaded);
        found = p ? [p.detection, ...p.others] : detectCodeFrameworks(loaded.root);
      } catch {
        found = [];
      }
      this.detections = { loaded, found };
    }
    return frameworkOfFile(this.detections.found, file);
  }

  async lint(doc: vscode.TextDocument): Promise<DocumentLint | undefined> {
    const loaded = this.ctx.projectConfig();
    if (!loaded) return undefined;
    const parser = await loadParser();
    const options = lintOptionsFromConfig(loaded.config);
    const lang = codeLanguageOf(doc.fileName);
    if (lang) {
      // saved, with offlineSql.enabled: the SQL the tool prints for the file (it reads the disk); while
      // typing, and when the tool cannot run, the SQL strings of the text
      const offline =
        !doc.isDirty && loaded.config.offlineSql.enabled ? await this.offline(doc, options) : undefined;
      const entry = {
        version: doc.version,
        result: offline ?? lintCode(parser, doc.getText(), lang, options),
      };
      this.results.set(doc.uri.toString(), entry);
      return entry;
    }
    const prior = await this.priorSchema(doc.fileName, options);
    const started = performance.now();
    const result = lintWith(parser, doc.getText(), {
      ...options,
      ...(runsOutsideTransaction(doc.fileName) ? { transactionMode: 'none' as const } : {}),
      priorSchema: prior.schema,
      direction: prior.direction,
    });
    const ms = performance.now() - started;
    if (ms > 50)
      this.ctx.output.debug(`lint ${vscode.workspace.asRelativePath(doc.uri)} took ${ms.toFixed(1)} ms`);
    const entry = { version: doc.version, result };
    this.results.set(doc.uri.toString(), entry);
    return entry;
  }

  /** The tool's offline SQL for the saved file, linted (Alembic, Django); undefined when it cannot run. */
  private async offline(doc: vscode.TextDocument, options: LintOptions): Promise<LintResult | undefined> {
    const loaded = this.ctx.projectConfig();
    const d = this.codeMigration(doc.fileName);
    if (!loaded || !d || !hasOfflineSql(d.tool)) return undefined;
    const key = `${doc.uri.toString()}@${doc.version}`;
    let p = this.offlineRuns.get(doc.uri.toString());
    if (p?.key !== key) {
      const run = lintOfflineMigrations(
        d,
        listCodeMigrations(d).migrations,
        new Set([doc.fileName]),
        loaded.config.offlineSql,
        options,
      )
        .then((r) => r[0])
        .catch((e: unknown) => {
          const err = e as { message?: string; hint?: string };
          this.ctx.output.warn(
            `offline SQL of ${basename(doc.fileName)}: ${err.message ?? String(e)}${err.hint ? ` (${err.hint})` : ''}`,
          );
          return undefined;
        });
      p = { key, run };
      this.offlineRuns.set(doc.uri.toString(), p);
    }
    return p.run;
  }

  forget(uri: vscode.Uri): void {
    this.results.delete(uri.toString());
  }

  migrationFilesChanged(): void {
    this.priorSchemas.clear();
    this.offlineRuns.clear();
    this.detections = undefined;
  }

  private priorSchema(
    file: string,
    options: ReturnType<typeof lintOptionsFromConfig>,
  ): Promise<{ schema?: SchemaModel; direction?: 'down' }> {
    let p = this.priorSchemas.get(file);
    if (!p) {
      // diesel-style <version>_<name>/up.sql folders: the migrations are one level further up
      const folderLayout = /^(up|down)\.sql$/i.test(basename(file));
      const dir = folderLayout ? dirname(dirname(file)) : dirname(file);
      const siblings = (folderLayout ? walkFiles(dir) : readdirSync(dir).map((f) => join(dir, f))).filter(
        (f) => f.endsWith('.sql'),
      );
      p = schemaBefore(file, siblings, options).catch(() => ({}));
      this.priorSchemas.set(file, p);
    }
    return p;
  }

  dispose(): void {
    this.results.clear();
    this.priorSchemas.clear();
  }
}
