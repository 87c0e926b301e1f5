/** The report as JSON: the model itself (each statement object carries its `sql` and `estimatedSeconds`). */
import type { Report } from './model';
import { redactSecrets } from './redact';

export function renderJson(report: Report): string {
  return redactSecrets(JSON.stringify(report, null, 2)) + '\n';
}
