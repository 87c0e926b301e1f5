// Mocha reporter: the usual spec output, plus the totals written to $PGSHIFT_COUNT_FILE for scripts/test.mjs.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');
const { failureSummary } = require('./failure-summary.cjs');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failed = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      failed.push(`${test.fullTitle()}: ${failureSummary(err)}`);
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats ?? {};
      if (process.env.PGSHIFT_COUNT_FILE) {
        writeFileSync(process.env.PGSHIFT_COUNT_FILE, JSON.stringify({ tests: s.tests ?? 0, passes: s.passes ?? 0, failures: s.failures ?? 0, pending: s.pending ?? 0, failed }));
      }
    });
  }
}
module.exports = CountReporter;
