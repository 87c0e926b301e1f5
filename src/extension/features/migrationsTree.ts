/** The Migrations view: every migration file of the project in order; click opens it. Loaded lazily. */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { migrationsDir } from '../../core/config';
import { walkFiles } from '../../core/files';
import type { Ctx } from '../ctx';

export class MigrationItem extends vscode.TreeItem {
  constructor(readonly file: string, root: string) {
    super(basename(file), vscode.TreeItemCollapsibleState.None);
    this.resourceUri = vscode.Uri.file(file);
    this.description = relative(root, file).includes('/') ? relative(root, file).split('/').slice(0, -1).join('/') : undefined;
    this.contextValue = 'pgshift.migration';
    this.iconPath = new vscode.ThemeIcon('file-code');
    this.command = { command: 'vscode.open', title: 'Open migration', arguments: [this.resourceUri] };
  }
}

export class MigrationsTree implements vscode.TreeDataProvider<MigrationItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly ctx: Ctx) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: MigrationItem): vscode.TreeItem {
    return item;
  }

  async getChildren(parent?: MigrationItem): Promise<MigrationItem[]> {
    if (parent) return [];
    const loaded = this.ctx.projectConfig();
    if (!loaded) return this.setHas(false);
    const dir = migrationsDir(loaded);
    if (!existsSync(dir)) return this.setHas(false);
    const files = walkFiles(dir).filter((f) => f.endsWith('.sql'));
    this.setHas(files.length > 0);
    return files.map((f) => new MigrationItem(f, dir));
  }

  private setHas(has: boolean): MigrationItem[] {
    void vscode.commands.executeCommand('setContext', 'pgshift.hasMigrations', has);
    return [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
