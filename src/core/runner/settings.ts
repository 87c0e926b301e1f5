/**
 * What one run needs from the configuration: the runner section, with a named environment's
 * lockTimeout / statementTimeout taking precedence over it.
 */
import type { EnvironmentConfig, RunnerConfig } from '../config';
import { DEFAULT_CONFIG } from '../config';
import { parseDurationMs } from '../duration';

export type RunnerSettings = RunnerConfig;

export function runnerSettings(runner?: Partial<RunnerConfig>, env?: EnvironmentConfig): RunnerSettings {
  const s: RunnerSettings = { ...DEFAULT_CONFIG.runner, ...(runner ?? {}) };
  if (env && env.lockTimeout !== undefined) s.lockTimeout = env.lockTimeout;
  if (env && env.statementTimeout !== undefined) s.statementTimeout = env.statementTimeout;
  return s;
}

/** '5s' → 5000; '500ms', '2min', '1h'; null/'off'/'0' → undefined (not set). */
export function durationMs(value: string | null | undefined): number | undefined {
  if (value == null || value === 'off' || !/^\d+\s*(ms|s|min|h)?$/.test(value.trim())) return undefined;
  return parseDurationMs(value) || undefined;
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
