// `pgshift verify` runs each migration with the runner settings a real `up` would get on the chosen
// environment: its lockTimeout / statementTimeout override the runner section, and the environment is
// never connected to (its URL variable need not even be set).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { fakeIo } from '../unit/helpers/fake-io';

// fails unless the migration runs with lock_timeout = 7s (the runner section says 5s)
const CHECK_LOCK_TIMEOUT = `DO $$ BEGIN
  IF current_setting('lock_timeout') <> '7s' THEN
    RAISE EXCEPTION 'lock_timeout is %', current_setting('lock_timeout');
  END IF;
END $$;
`;

describe('verify: the environment’s runner overrides', function () {
  this.timeout(120_000);
  let root: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-verify-env-'));
    fs.mkdirSync(path.join(root, 'migrations'));
    fs.writeFileSync(path.join(root, 'migrations', '1_check.up.sql'), CHECK_LOCK_TIMEOUT);
    fs.writeFileSync(path.join(root, 'migrations', '1_check.down.sql'), 'SELECT 1;\n');
    fs.writeFileSync(
      path.join(root, 'pgshift.config.json'),
      JSON.stringify({
        layout: 'golang-migrate',
        runner: { lockTimeout: '5s' },
        environments: {
          staging: { urlEnv: 'STAGING_DATABASE_URL_NOT_SET', lockTimeout: '7s' },
          other: { host: '127.0.0.1', port: 1, database: 'x' },
        },
        defaultEnvironment: 'staging',
      }),
    );
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('takes the defaultEnvironment’s lockTimeout without connecting to it', async () => {
    const io = fakeIo(root);
    const code = await main(['verify', '--format', 'json'], io);
    const json = JSON.parse(io.stdout);
    assert.equal(code, 0, `${io.stderr}${JSON.stringify(json.migrations)}`);
    assert.deepEqual(
      json.migrations.map((m: { verdict: string }) => m.verdict),
      ['restored'],
    );
  });

  it('--env names the environment; one without overrides runs with the runner section', async () => {
    const io = fakeIo(root);
    assert.equal(await main(['verify', '--env', 'staging'], io), 0, io.stderr + io.stdout);
    const other = fakeIo(root);
    assert.equal(await main(['verify', '--env', 'other'], other), 1);
    assert.match(other.stdout, /UP FAILED/);
    assert.match(other.stdout, /lock_timeout is 5s/);
  });

  it('an ambient DATABASE_URL means no environment, as for up', async () => {
    const io = fakeIo(root, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' });
    assert.equal(await main(['verify'], io), 1);
    assert.match(io.stdout, /lock_timeout is 5s/);
  });
});
