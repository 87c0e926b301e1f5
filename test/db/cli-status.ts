import assert from 'node:assert/strict';
import { main } from '../../src/cli/main';
import { fakeIo } from '../unit/helpers/fake-io';

/** `pgshift status --db <url> --format json` of a code-based tool's project: each migration's state by key. */
export async function pgshiftStatus(cwd: string, url: string): Promise<Record<string, string>> {
  const io = fakeIo(cwd);
  const code = await main(['status', '--db', url, '--format', 'json'], io);
  assert.equal(code, 0, io.stderr);
  const s = JSON.parse(io.stdout) as { migrations: { key: string; state: string }[] };
  return Object.fromEntries(s.migrations.map((m) => [m.key, m.state]));
}
