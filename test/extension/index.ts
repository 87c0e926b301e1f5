// The extensionTestsPath entry: VS Code loads this file in the extension host and awaits run().
// It runs every *.test.js beside it with mocha. When PGSHIFT_EXT_TEST_REPORT names a file, the
// counts and failures are written there as JSON for scripts/test-e2e.mjs, which has no other way to
// see inside the extension host than its relayed console.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

interface Report {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
}

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return testFiles(p);
      return e.name.endsWith('.test.js') ? [p] : [];
    })
    .sort();
}

function writeReport(report: Report): void {
  const file = process.env.PGSHIFT_EXT_TEST_REPORT;
  if (file) fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    // The relayed output ends up in a terminal locally and in a plain log on CI.
    color: !process.env.CI && !process.env.NO_COLOR,
    timeout: 60_000,
    grep: process.env.PGSHIFT_EXT_TEST_GREP,
  });
  for (const f of testFiles(__dirname)) mocha.addFile(f);

  const report: Report = { passed: 0, failed: 0, pending: 0, failures: [] };
  return new Promise((resolve, reject) => {
    try {
      mocha
        .run((failures) => {
          writeReport(report);
          if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
          else resolve();
        })
        .on('pass', () => report.passed++)
        .on('pending', () => report.pending++)
        .on('fail', (test, err: Error) => {
          report.failed++;
          report.failures.push({ title: test.fullTitle(), error: String(err?.stack ?? err) });
        });
    } catch (err) {
      // A test file that throws while loading never reaches the runner's events.
      report.failed++;
      report.failures.push({ title: 'loading the test files', error: String((err as Error)?.stack ?? err) });
      writeReport(report);
      reject(err);
    }
  });
}
