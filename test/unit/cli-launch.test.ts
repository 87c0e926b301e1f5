import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { userCacheDir } from '../../src/cli/launch';
import { flagsOf } from '../../src/cli/v8-flags';

// The launcher as dist/cli.js uses it, in a child process of its own: it runs a stand-in bundle and
// prints how it used the code cache.
const launchModule = path.join(__dirname, '..', '..', 'src', 'cli', 'launch.js');

function run(
  main: string,
  cacheDir: string | undefined,
  command = 'up',
  args: string[] = [],
  flags: string[] = [],
) {
  const script = `const { launch } = require(${JSON.stringify(launchModule)});
    const use = launch(${JSON.stringify(main)}, ${JSON.stringify(cacheDir)}, ${JSON.stringify(command)}, ${JSON.stringify(flags)});
    process.on('exit', () => process.stderr.write('cache:' + use + '\\n'));`;
  // a file, as dist/cli.js is: process.argv[1] is the launcher, the arguments follow
  const harness = path.join(path.dirname(main), 'launcher.js');
  fs.writeFileSync(harness, script);
  const r = spawnSync(process.execPath, [harness, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout, use: /cache:(\w+)/.exec(r.stderr)?.[1] };
}

describe('cli launcher (V8 code cache)', () => {
  let dir: string;
  let main: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-launch-'));
    main = path.join(dir, 'bundle.js');
    // what a bundle relies on: CommonJS arguments, require from its own folder, argv, exit code
    fs.writeFileSync(path.join(dir, 'helper.js'), 'module.exports = 41;\n');
    fs.writeFileSync(
      main,
      `#!/usr/bin/env node
      const answer = require('./helper') + 1;
      console.log(JSON.stringify({ answer, file: __filename, dir: __dirname, self: typeof module.exports, argv: process.argv.slice(2) }));
      module.exports = { answer };
      process.exitCode = 0;
      `,
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the bundle as Node would, and reuses the cache the first run wrote', () => {
    const cache = path.join(dir, 'cache');
    const first = run(main, cache, 'up', ['x', 'y']);
    assert.deepEqual(JSON.parse(first.out), {
      answer: 42,
      file: main,
      dir,
      self: 'object',
      argv: ['x', 'y'],
    });
    assert.equal(first.use, 'miss');
    const files = fs.readdirSync(cache);
    assert.equal(files.length, 1);
    assert.match(files[0], /^bundle\.\d+\.\d+\.v\d+\.\d+\.\d+\.\w+\.up\.v8cache$/);
    assert.ok(fs.statSync(path.join(cache, files[0])).size > 0);
    if (process.platform !== 'win32') assert.equal(fs.statSync(cache).mode & 0o777, 0o700);
    const second = run(main, cache, 'up');
    assert.equal(second.use, 'hit');
    assert.equal(JSON.parse(second.out).answer, 42);
    // another command has its own cache
    assert.equal(run(main, cache, 'status').use, 'miss');
    assert.equal(fs.readdirSync(cache).length, 2);
  });

  it('a bundle that sets V8 flags gets a cache V8 accepts when the launcher set them first', () => {
    // as bin.ts and the lint command do; the cache is made at exit, under the flags set by then
    fs.appendFileSync(
      main,
      `require('node:v8').setFlagsFromString('--wasm-tiering-budget=2147483647');
      require('node:v8').setFlagsFromString('--liftoff-only');\n`,
    );
    const cache = path.join(dir, 'cache');
    assert.equal(run(main, cache, 'lint').use, 'miss');
    assert.equal(run(main, cache, 'lint').use, 'rejected', 'flags set after the compile: never a hit');
    const flags = flagsOf('lint');
    assert.deepEqual(flags, [
      '--wasm-tiering-budget=2147483647',
      '--liftoff-only',
      '--interrupt-budget=1000000',
    ]);
    assert.equal(run(main, cache, 'lint', [], flags).use, 'rejected', 'the cache of the flags set late');
    assert.equal(run(main, cache, 'lint', [], flags).use, 'hit');
    assert.equal(run(main, cache, 'lint', [], flags).use, 'hit');
  });

  it('a rebuilt bundle gets a new cache and the old ones are removed', () => {
    const cache = path.join(dir, 'cache');
    run(main, cache, 'up');
    run(main, cache, 'status');
    fs.appendFileSync(main, '// rebuilt\n');
    fs.utimesSync(main, new Date(), new Date(Date.now() + 5000));
    assert.equal(run(main, cache, 'up').use, 'miss');
    const files = fs.readdirSync(cache);
    assert.equal(files.length, 1, files.join(', '));
    assert.equal(run(main, cache, 'up').use, 'hit');
  });

  it('a damaged cache is refused by V8 and replaced; no cache directory means no cache, and the bundle still runs', () => {
    const cache = path.join(dir, 'cache');
    run(main, cache, 'up');
    const file = path.join(cache, fs.readdirSync(cache)[0]);
    fs.writeFileSync(file, Buffer.alloc(fs.statSync(file).size, 7));
    const damaged = run(main, cache, 'up');
    assert.equal(damaged.use, 'rejected');
    assert.equal(JSON.parse(damaged.out).answer, 42);
    assert.equal(run(main, cache, 'up').use, 'hit');
    assert.equal(run(main, undefined).use, 'off');
    // a cache directory that cannot be created (a file is in the way) costs only the speed
    const blocked = path.join(dir, 'blocked');
    fs.writeFileSync(blocked, '');
    const r = run(main, path.join(blocked, 'pgshift'));
    assert.equal(r.use, 'miss');
    assert.equal(JSON.parse(r.out).answer, 42);
  });

  it('the cache directory is the user’s own, and PGSHIFT_CODE_CACHE=0 turns it off', () => {
    assert.equal(userCacheDir({ XDG_CACHE_HOME: '/x/cache' }, 'linux'), path.join('/x/cache', 'pgshift'));
    assert.equal(userCacheDir({}, 'linux'), path.join(os.homedir(), '.cache', 'pgshift'));
    assert.equal(userCacheDir({}, 'darwin'), path.join(os.homedir(), 'Library', 'Caches', 'pgshift'));
    assert.equal(userCacheDir({ LOCALAPPDATA: 'C:\\u' }, 'win32'), path.join('C:\\u', 'pgshift', 'Cache'));
    assert.equal(userCacheDir({}, 'win32'), undefined);
    assert.equal(userCacheDir({ PGSHIFT_CODE_CACHE: '0', XDG_CACHE_HOME: '/x' }, 'linux'), undefined);
  });
});
