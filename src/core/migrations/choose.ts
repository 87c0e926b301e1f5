/**
 * Where a project's migrations are and which layout reads them: the config's migrationsDir / layout
 * when it names them, else the tool detected from the project's files (detect-project.ts). The CLI's
 * commands and the editor's tree both start here, so they read the same folder the same way.
 */
import { migrationsDir, type Layout, type LoadedConfig } from '../config';
import { detectProject, readableLayout, type DetectedTool } from './detect-project';

export interface MigrationsChoice {
  /** absolute folder */
  dir: string;
  layout: Layout;
  /** 'config': the config names the folder; 'detected': `chosen` was found; 'default': nothing found */
  source: 'config' | 'detected' | 'default';
  /** the tool whose migrations are read, when detected */
  chosen?: DetectedTool;
  /** every tool found (none when the config names migrationsDir) */
  detected: DetectedTool[];
}

export function chooseMigrations(loaded: LoadedConfig): MigrationsChoice {
  const given = loaded.given;
  const layout = loaded.config.layout;
  // a config built by a caller without `given` is taken at its word, as is one naming the folder
  if (!given || given.includes('migrationsDir'))
    return { dir: migrationsDir(loaded), layout, source: 'config', detected: [] };
  const detected = detectProject(loaded.root);
  const chosen =
    layout !== 'auto'
      ? detected.find((t) => t.layout === layout)
      : detected.find((t) => readableLayout(t) !== undefined);
  if (!chosen) return { dir: migrationsDir(loaded), layout, source: 'default', detected };
  return {
    dir: chosen.dir,
    layout: layout !== 'auto' ? layout : (readableLayout(chosen) ?? 'auto'),
    source: 'detected',
    chosen,
    detected,
  };
}

/**
 * What `pgshift status` says about it: the tool and why, and every other tool found (a project with
 * two tools says so, and how to choose). Lines without a trailing newline; `rel` shows a path.
 */
export function describeChoice(c: MigrationsChoice, rel: (abs: string) => string): string[] {
  const lines: string[] = [];
  if (c.chosen) lines.push(`found ${c.chosen.tool} in ${rel(c.chosen.dir)}: ${c.chosen.reasons.join('; ')}`);
  const others = c.detected.filter((t) => t !== c.chosen);
  for (const t of others) {
    const why = t.reasons.join('; ');
    lines.push(
      readableLayout(t) === undefined
        ? `also found ${t.tool} in ${rel(t.dir)}: ${why} (pgshift does not read its migrations as SQL files)`
        : `also found ${t.tool} in ${rel(t.dir)}: ${why}`,
    );
  }
  if (c.chosen && others.length)
    lines.push(
      `this project has ${others.length + 1} migration tools; pgshift reads ${c.chosen.tool}'s. To choose, set "migrationsDir" and "layout" in pgshift.config.json`,
    );
  return lines;
}
