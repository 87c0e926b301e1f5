/** What a CLI command may touch: its output streams, the working directory and the environment. */
export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** text, or bytes already in UTF-8 (a large report need not be decoded to be printed) */
  out(text: string | Uint8Array): void;
  err(text: string): void;
  /** colours and progress only when stdout/stderr is a terminal */
  color: boolean;
  progress: boolean;
  /** The script a lint worker thread runs (the CLI bundle itself); without it, lint stays on one thread. */
  workerScript?: string;
}

export function processIo(): Io {
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    color: !!process.stdout.isTTY && !process.env.NO_COLOR,
    progress: !!process.stderr.isTTY && process.env.CI !== 'true',
  };
}
