// schemas/pgshift.config.schema.json is what the editor checks pgshift.config.json against as it is
// typed; validateConfig is what the CLI and the extension enforce. They must say the same: the same
// keys at every level, the same enums and defaults, and the same verdict on the same file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import {
  DEFAULT_CONFIG,
  ENV_KEYS,
  LAYOUT_SETTINGS,
  RUNNER_KEYS,
  SSLMODES,
  TOP_KEYS,
  TRANSACTION_MODES,
  validateConfig,
} from '../../src/core/config';
import { SEVERITIES } from '../../src/core/lint/types';

const root = join(__dirname, '..', '..', '..');

interface Schema {
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
  default?: unknown;
}

const schema = JSON.parse(
  readFileSync(join(root, 'schemas', 'pgshift.config.schema.json'), 'utf8'),
) as Schema;
const top = schema.properties!;
const runner = top.runner.properties!;
const environment = (top.environments.additionalProperties as Schema).properties!;
const sorted = (xs: readonly unknown[]): unknown[] => [...xs].map(String).sort();

describe('the config schema matches the config validator', () => {
  it('names the same keys at the top, in runner and in an environment, and allows no others', () => {
    assert.deepEqual(sorted(Object.keys(top)), sorted(TOP_KEYS));
    assert.deepEqual(sorted(Object.keys(runner)), sorted(RUNNER_KEYS));
    assert.deepEqual(sorted(Object.keys(environment)), sorted(ENV_KEYS));
    assert.equal(schema.additionalProperties, false);
    assert.equal(top.runner.additionalProperties, false);
    assert.equal((top.environments.additionalProperties as Schema).additionalProperties, false);
  });

  it('the pgshift.environments setting (same validator, in the editor) names the same environment keys', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const setting = pkg.contributes.configuration.properties['pgshift.environments'] as Schema;
    assert.deepEqual(
      sorted(Object.keys((setting.additionalProperties as Schema).properties!)),
      sorted(ENV_KEYS),
    );
  });

  it('has the validator’s enums', () => {
    assert.deepEqual(sorted(top.layout.enum!), sorted(LAYOUT_SETTINGS));
    assert.deepEqual(
      sorted((top.rules.additionalProperties as Schema).enum!),
      sorted(['off', ...SEVERITIES]),
    );
    assert.deepEqual(sorted(runner.transactionMode.enum!), sorted(TRANSACTION_MODES));
    assert.deepEqual(sorted(environment.sslmode.enum!), sorted(SSLMODES));
  });

  it('states the defaults the validator fills in, wherever it states one', () => {
    const defaults: [string, Schema, Record<string, unknown>][] = [
      ['', top, DEFAULT_CONFIG as unknown as Record<string, unknown>],
      ['runner.', runner, DEFAULT_CONFIG.runner as unknown as Record<string, unknown>],
    ];
    let stated = 0;
    for (const [prefix, props, values] of defaults)
      for (const [key, s] of Object.entries(props)) {
        if (!('default' in s)) continue;
        stated++;
        assert.deepEqual(s.default, values[key], `${prefix}${key}`);
      }
    // every runner setting has a default in both
    for (const key of RUNNER_KEYS)
      assert.ok('default' in runner[key], `runner.${key} has no default in the schema`);
    assert.ok(stated >= 11, `only ${stated} defaults compared`);
  });

  // The same file, judged by both: the editor's squiggle and the CLI's error agree.
  const env = (e: Record<string, unknown>): unknown => ({ environments: { e } });
  const cases: [string, unknown][] = [
    ['empty', {}],
    ['$schema', { $schema: '../schemas/pgshift.config.schema.json' }],
    ['$schema not a string', { $schema: 5 }],
    ['unknown key', { migrationDir: 'x' }],
    ['empty migrationsDir', { migrationsDir: '' }],
    ['layout', { layout: 'dbmate' }],
    ['unknown layout', { layout: 'rails' }],
    ['postgresVersion', { postgresVersion: 16 }],
    ['postgresVersion too old', { postgresVersion: 8 }],
    ['postgresVersion not whole', { postgresVersion: 15.5 }],
    ['postgresVersion as text', { postgresVersion: '15' }],
    ['include', { include: ['db/**/*.sql'] }],
    ['include not strings', { include: [1] }],
    ['exclude not a list', { exclude: 'x' }],
    ['rules', { rules: { 'ban-drop-table': 'error', 'prefer-text-field': 'off' } }],
    ['rule severity unknown', { rules: { 'ban-drop-table': 'fatal' } }],
    ['runner', { runner: { lockTimeout: '2s', statementTimeout: '15min', lockRetries: 3 } }],
    ['duration in ms as a number', { runner: { lockTimeout: 500 } }],
    ['duration off', { runner: { statementTimeout: 'off' } }],
    ['duration null', { runner: { lockTimeout: null } }],
    ['duration with spaces', { runner: { lockTimeout: ' 5 s ' } }],
    ['duration of hours', { runner: { statementTimeout: '1h' } }],
    ['duration without a unit', { runner: { lockTimeout: '5' } }],
    ['duration in words', { runner: { lockTimeout: 'soon' } }],
    ['negative duration', { runner: { lockTimeout: -1 } }],
    ['duration true', { runner: { lockTimeout: true } }],
    ['lockRetries at most 100', { runner: { lockRetries: 100 } }],
    ['lockRetries above 100', { runner: { lockRetries: 101 } }],
    ['lockRetries negative', { runner: { lockRetries: -1 } }],
    ['lockWaitSeconds a day', { runner: { lockWaitSeconds: 86400 } }],
    ['lockWaitSeconds above a day', { runner: { lockWaitSeconds: 86401 } }],
    ['historySchema', { runner: { historySchema: 'migrations_2' } }],
    ['historySchema upper case', { runner: { historySchema: 'Pgshift' } }],
    ['historySchema too long', { runner: { historySchema: 'a'.repeat(64) } }],
    ['transactionMode', { runner: { transactionMode: 'none' } }],
    ['transactionMode unknown', { runner: { transactionMode: 'auto' } }],
    ['unknown runner key', { runner: { retries: 1 } }],
    ['environment', env({ host: 'db', port: 5432, database: 'shop', user: 'app', sslmode: 'require' })],
    ['environment url', env({ url: 'postgres://app@db:5432/shop', production: true, readOnly: false })],
    ['environment url with a password', env({ url: 'postgres://app:secret@db/shop' })],
    ['environment url with an empty password', env({ url: 'postgresql://app:@db/shop' })],
    ['environment password', env({ password: 'x' })],
    ['environment unknown key', env({ hostname: 'db' })],
    ['environment port 0', env({ port: 0 })],
    ['environment port too high', env({ port: 65536 })],
    ['environment empty host', env({ host: '' })],
    ['environment sslmode unknown', env({ sslmode: 'allow-all' })],
    ['environment production not boolean', env({ production: 'yes' })],
    ['environment timeouts', env({ urlEnv: 'DATABASE_URL', lockTimeout: '1s', statementTimeout: null })],
    ['environment timeout in words', env({ lockTimeout: 'later' })],
    ['environment not an object', { environments: { e: 'postgres://db' } }],
    ['defaultEnvironment', { environments: { e: { host: 'db' } }, defaultEnvironment: 'e' }],
    ['not an object', []],
  ];
  it('accepts and refuses the same files', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const disagree: string[] = [];
    for (const [name, raw] of cases) {
      let byValidator = true;
      try {
        validateConfig(raw, 'test');
      } catch {
        byValidator = false;
      }
      const bySchema = validate(raw) === true;
      if (byValidator !== bySchema)
        disagree.push(
          `${name}: validator ${byValidator ? 'accepts' : 'refuses'}, schema ${bySchema ? 'accepts' : 'refuses'}`,
        );
    }
    assert.deepEqual(disagree, []);
    // both verdicts occur: the table is not all one way
    assert.ok(cases.some(([, raw]) => validate(raw)) && cases.some(([, raw]) => !validate(raw)));
  });
});
