/**
 * `-- pgshift-ignore rule-a, rule-b: reason` silences those rules on the next statement;
 * `-- pgshift-ignore-file rule-a: reason` on the whole file. A reason is required, and an ignore that
 * silences nothing is reported, so suppressions cannot rot silently.
 */
import type { Comment } from '../sql/splitter';

export interface Suppression {
  scope: 'statement' | 'file';
  /** rule ids; empty = every rule */
  rules: string[];
  reason: string;
  comment: Comment;
  /** set by the engine when it silences at least one finding, per rule id */
  used: Set<string>;
}

const IGNORE = /^\s*pgshift-ignore(-file)?(?=\s|:|$)\s*([^:]*?)\s*(?::\s*(.*?))?\s*$/;

export function parseSuppressions(comments: readonly Comment[]): Suppression[] {
  const out: Suppression[] = [];
  for (const c of comments) {
    const body = c.kind === 'block' ? c.body.replace(/\s*\n\s*/g, ' ') : c.body;
    const m = IGNORE.exec(body);
    if (!m) continue;
    const rules = m[2]
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter((r) => r !== '');
    out.push({
      scope: m[1] ? 'file' : 'statement',
      rules,
      reason: (m[3] ?? '').trim(),
      comment: c,
      used: new Set(),
    });
  }
  return out;
}
