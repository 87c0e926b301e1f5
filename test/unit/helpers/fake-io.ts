import type { Io } from '../../../src/cli/io';

export function fakeIo(cwd: string, env: NodeJS.ProcessEnv = {}): Io & { stdout: string; stderr: string } {
  const io = {
    cwd,
    env,
    stdout: '',
    stderr: '',
    color: false,
    progress: false,
    out(t: string | Uint8Array) {
      io.stdout += typeof t === 'string' ? t : Buffer.from(t).toString('utf8');
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}
