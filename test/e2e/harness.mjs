// What the e2e scripts share: their command line, the workbench's text, the step recorder (a
// screenshot per step in test-results/, <prefix>-NN-<step>.png, <prefix>-FAILED-<step>.png on failure)
// and the main() that runs one suite and prints its closing line.
import fs from 'node:fs';
import path from 'node:path';
import { REPO, SetupError } from '../../scripts/code-server.mjs';

export const RESULTS = path.join(REPO, 'test-results');

export function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

// The editor renders spaces as U+00A0.
export const text = (s) =>
  (s ?? '')
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Steps that stop the suite at the first failure, each timed, logged and shot. `page()` is the page
 * to shoot (a suite may switch pages); with `stepTimeout`, a step's own `timeout` is the page's default
 * while it runs, and `stepTimeout` again after it.
 */
export function stepRecorder({ prefix, log, page, stepTimeout }) {
  const steps = [];
  let shotNo = 0;
  fs.mkdirSync(RESULTS, { recursive: true });
  const old = new RegExp(`^${prefix}-.*\\.png$`);
  for (const f of fs.readdirSync(RESULTS)) if (old.test(f)) fs.rmSync(path.join(RESULTS, f));
  async function shot(file) {
    const p = page();
    if (!p) return null;
    const out = path.join(RESULTS, file);
    await p
      .screenshot({ path: out, timeout: 10_000 })
      .catch((e) => log(`  (screenshot failed: ${e.message})`));
    return out;
  }
  async function step(name, fn, { screenshot = true, timeout = stepTimeout } = {}) {
    const t = Date.now();
    try {
      if (stepTimeout) page()?.setDefaultTimeout(timeout);
      await fn();
      if (stepTimeout) page()?.setDefaultTimeout(stepTimeout);
      const file = screenshot
        ? await shot(`${prefix}-${String(++shotNo).padStart(2, '0')}-${name}.png`)
        : null;
      steps.push({ name, ok: true, ms: Date.now() - t, screenshot: file });
      log(`  ✔ ${name} (${Date.now() - t} ms)${file ? ` → ${path.relative(REPO, file)}` : ''}`);
    } catch (e) {
      const file = await shot(`${prefix}-FAILED-${name}.png`);
      steps.push({ name, ok: false, ms: Date.now() - t, error: String(e?.message ?? e), screenshot: file });
      log(`  ✘ ${name}: ${e?.message ?? e}${file ? `\n    screenshot: ${path.relative(REPO, file)}` : ''}`);
      throw e;
    }
  }
  return { steps, shot, step };
}

/** Runs one suite from the command line: --report FILE gets its result; exit 1 unless it all passed. */
export async function runSuiteMain(title, run) {
  const out = arg('--report', null);
  console.log(title);
  let result;
  try {
    result = await run();
  } catch (e) {
    console.error(e instanceof SetupError ? `error: ${e.message}` : e);
    result = { passed: 0, failed: 1, steps: [], seconds: 0 };
  }
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`e2e: ${result.passed} passed, ${result.failed} failed (${result.seconds.toFixed(1)} s)`);
  process.exitCode = result.failed > 0 || result.passed === 0 ? 1 : 0;
}
