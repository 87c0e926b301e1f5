/** The arrows only point down: extension and cli use core; core never uses them or 'vscode'. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { walkFiles } from '../../src/core/files';
import { CommandId } from '../../src/extension/command-ids';

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
  it('a CLI command loads only its own modules: up, down and status never evaluate the rules, the report, the parser or PGlite', function () {
    this.timeout(20_000);
    const main = join(root, 'out', 'src', 'cli', 'main.js');
    const loaded = (command: string): string[] => {
      const script = `require(${JSON.stringify(main)}).main([${JSON.stringify(command)}, '--help'], { cwd: process.cwd(), env: {}, out() {}, err() {}, color: false, progress: false }).then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache))))`;
      return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
    };
    const heavy = (files: string[]) =>
      files
        .filter((f) => /[\\/](lint[\\/]rules|report)[\\/]|libpg-query|@electric-sql/.test(f))
        .map((f) => relative(root, f));
    for (const command of ['up', 'down', 'status']) assert.deepEqual(heavy(loaded(command)), [], command);
    // the check can fail: lint does load its rules
    assert.ok(heavy(loaded('lint')).some((f) => /lint[\\/]rules[\\/]/.test(f)));
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
  it('one file-name style: every source and test file is kebab-case (a leading _ marks a rule helper)', () => {
    const offenders = [...walkFiles(join(root, 'src')), ...walkFiles(join(root, 'test'))]
      .map((f) => relative(root, f))
      .filter((f) => /\.(ts|mjs|js)$/.test(f) && !f.includes('fixtures'))
      .filter((f) => !/^_?[a-z0-9.-]+$/.test(f.split(/[\\/]/).pop()!));
    assert.deepEqual(offenders, []);
  });
});
