import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** An entry as scripts/ustar.mjs packs it. */
export interface PackEntry {
  path: string;
  type: 'file' | 'dir';
  mode: number;
  data?: Buffer | string;
}

const script = path.join(__dirname, '..', '..', '..', '..', 'scripts', 'ustar.mjs');

/**
 * Packs `entries` with the build's own writer, scripts/ustar.mjs (an ES module, which the compiled
 * CommonJS tests cannot import, so it runs in a child process): what parseTar must read is exactly
 * what the build writes.
 */
export function packWithBuildScript(entries: readonly PackEntry[]): Buffer {
  const wire = entries.map((e) => ({
    ...e,
    data: e.data === undefined ? undefined : Buffer.from(e.data).toString('base64'),
  }));
  const code = `import { ustar } from ${JSON.stringify(pathToFileURL(script).href)};
    const chunks = [];
    for await (const c of process.stdin) chunks.push(c);
    const entries = JSON.parse(Buffer.concat(chunks).toString()).map((e) => ({ ...e, data: e.data === undefined ? undefined : Buffer.from(e.data, 'base64') }));
    process.stdout.write(ustar(entries));`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    input: JSON.stringify(wire),
    maxBuffer: 256 * 1024 * 1024,
  });
}
