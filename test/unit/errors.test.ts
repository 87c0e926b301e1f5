import * as assert from 'node:assert/strict';
import { ConfigError, PgshiftError } from '../../src/core/errors';

describe('PgshiftError', () => {
  it('defaults to exit code 1 with no hint and no code', () => {
    const e = new PgshiftError('nothing was run');
    assert.equal(e.message, 'nothing was run');
    assert.equal(e.exitCode, 1);
    assert.equal(e.hint, undefined);
    assert.equal(e.code, undefined);
    assert.equal(e.name, 'PgshiftError');
  });

  it('carries the hint, exit code and code it is given', () => {
    const e = new PgshiftError('timed out', { hint: 'wait', exitCode: 3, code: 'lock-timeout' });
    assert.deepEqual([e.hint, e.exitCode, e.code], ['wait', 3, 'lock-timeout']);
  });

  it('ConfigError is a PgshiftError with exit code 2 and code config', () => {
    const e = new ConfigError('bad port', 'use 5432');
    assert.ok(e instanceof PgshiftError);
    assert.deepEqual([e.name, e.hint, e.exitCode, e.code], ['ConfigError', 'use 5432', 2, 'config']);
  });

  it('the compiler refuses a code outside PgshiftErrorCode', () => {
    // @ts-expect-error 'no-such-code' is not a PgshiftErrorCode: if this compiles, the union has become string
    const e = new PgshiftError('x', { code: 'no-such-code' });
    assert.equal(e.code, 'no-such-code');
  });
});
