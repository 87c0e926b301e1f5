// One line for a failed test, for the "=== failures" list at the end of a test run's log: the error's
// message with its first lines joined (an AssertionError's "Expected values to be strictly equal:" alone
// says nothing; the lines after it hold actual and expected) and the first stack frame in the project's
// own test or source files, so a CI log's tail says what failed and where.
'use strict';

const MAX = 400;

function failureSummary(err) {
  const text = String((err && (err.stack || err.message)) || err || '');
  const message = err && typeof err === 'object' && err.message ? String(err.message) : text.split('\n    at ')[0];
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 6);
  const frame = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('at ') && /[/\\](test|src|scripts)[/\\]/.test(l) && !l.includes('node_modules'));
  const where = frame ? ` (${frame.replace(/^at (.*\()?/, '').replace(/\)$/, '').replace(/^.*?[/\\](?=(test|src|scripts)[/\\])/, '')})` : '';
  const one = lines.join(' ').replace(/\s+/g, ' ');
  return (one.length > MAX ? `${one.slice(0, MAX - 1)}…` : one) + where;
}

module.exports = { failureSummary };
