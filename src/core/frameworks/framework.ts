import type { Driver } from '../db/driver';
import type { CodeDetection, CodeMigrationSet, CodeSnapshot, CodeTool } from './model';

export type CodeLanguage = 'python' | 'ruby' | 'javascript' | 'csharp';

/** What pgshift knows of one code-based tool: how to find it, list its migrations, read its table, name its command. */
export interface CodeFramework {
  tool: CodeTool;
  language: CodeLanguage;
  /** the tracking table when the config does not rename it */
  defaultTable: string;
  detect(root: string): CodeDetection | undefined;
  /**
   * `applied`: the keys the tool's table records, for a tool whose order depends on them (Django uses a
   * squashed migration only when all or none of what it replaces is applied); none when not read yet.
   */
  list(d: CodeDetection, applied?: ReadonlySet<string>): CodeMigrationSet;
  /** SELECTs only: pgshift never writes a code-based tool's table */
  read(driver: Driver, d: CodeDetection): Promise<CodeSnapshot>;
  /** the tool's own command that applies its pending migrations */
  command(d: CodeDetection): string;
}
