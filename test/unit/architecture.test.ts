/** The arrows only point down: extension and cli use core; core never uses them or 'vscode'. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { walkFiles } from '../../src/core/files';
import { CommandId } from '../../src/extension/commandIds';

const root = join(__dirname, '..', '..', '..');

describe('architecture', () => {
  const coreFiles = walkFiles(join(root, 'src/core')).filter((f) => f.endsWith('.ts'));
  it('src/core never imports vscode, src/extension or src/cli', () => {
    assert.ok(coreFiles.length > 10);
    const offenders = coreFiles.filter((f) => {
      const src = readFileSync(f, 'utf8');
      return /from ['"]vscode['"]|require\(['"]vscode['"]\)|from ['"](\.\.\/)+(extension|cli)\//.test(src);
    });
    assert.deepEqual(
      offenders.map((f) => relative(root, f)),
      [],
    );
  });
  it('src/cli never imports vscode or src/extension', () => {
    const offenders = walkFiles(join(root, 'src/cli')).filter((f) =>
      /from ['"]vscode['"]|\/extension\//.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
  it('every command id is contributed in package.json with the pgshift category, and vice versa', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const contributed = (pkg.contributes.commands as { command: string; category: string }[])
      .map((c) => c.command)
      .sort();
    assert.deepEqual(contributed, Object.values(CommandId).sort());
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'pgshift');
  });
  it('activation is lazy: never "*" and no startup activation', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(!pkg.activationEvents.includes('onStartupFinished'));
  });
  it('the core loads the parser lazily (no top-level libpg-query import anywhere)', () => {
    const offenders = walkFiles(join(root, 'src')).filter((f) =>
      /^import[^;]*from ['"]libpg-query['"]/m.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
});
