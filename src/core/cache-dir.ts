/**
 * The user's cache directory for pgshift, by each platform's convention: `$XDG_CACHE_HOME/pgshift`, else
 * `~/.cache/pgshift`; `~/Library/Caches/pgshift` on macOS; `%LOCALAPPDATA%\pgshift\Cache` on Windows.
 * Undefined when the platform's variable or the home directory is unknown. Never a shared directory:
 * what is cached there (compiled code, lint results) is trusted by the next run.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function userCacheDir(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  home: string | undefined,
): string | undefined {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'pgshift');
  if (platform === 'win32') return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'pgshift', 'Cache') : undefined;
  if (!home) return undefined;
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'pgshift');
  return join(home, '.cache', 'pgshift');
}

/** The OS's idea of the home directory (not only $HOME), or undefined when it has none. */
export function homeDir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}
