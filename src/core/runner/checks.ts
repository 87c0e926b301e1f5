/**
 * `-- pgshift:check-before <SQL>` and `-- pgshift:check-after <SQL>`: queries that must return true.
 * Before: run before anything of the migration, so false leaves the database untouched. After: in a
 * transactional migration a step inside its transaction that raises when false (so the whole
 * migration rolls back); outside one, a query before it is recorded as done.
 */
import type { PipelineStep } from '../db/driver';
import { toDbError, type ApplyContext } from './apply';
import type { DbError } from '../db/driver';
import type { PreparedStep } from './prepare';

/** Each check must return true; the first that does not is the failure (its query in the message). */
export async function runChecks(
  ctx: ApplyContext,
  step: PreparedStep,
  when: 'before' | 'after',
): Promise<DbError | undefined> {
  for (const c of step.script.data?.checks ?? []) {
    if (c.when !== when) continue;
    let ok = false;
    try {
      const r = await ctx.driver.query(c.sql);
      const first = r.rows[0] ? Object.values(r.rows[0])[0] : undefined;
      ok = first === true || first === 't';
    } catch (e) {
      return toDbError(
        new Error(`check-${when} could not run: ${toDbError(e, false).message} — ${c.sql}`),
        false,
      );
    }
    ctx.onEvent?.({ type: 'check', version: step.migration.version, when, sql: c.sql, ok });
    if (!ok)
      return toDbError(
        new Error(
          `check-${when} is not true: ${c.sql}${when === 'before' ? ' (nothing was run)' : ' (every statement ran; it is not recorded as done)'}`,
        ),
        false,
      );
  }
  return undefined;
}

/** The check-after queries as steps of the migration's own transaction: each raises when not true. */
export function checkAfterSteps(step: PreparedStep): PipelineStep[] {
  return (step.script.data?.checks ?? [])
    .filter((c) => c.when === 'after')
    .map((c) => {
      const body = tagNotIn(c.sql, 'pgshift_check');
      const text = tagNotIn(c.sql, 'pgshift_text');
      return {
        sql: `DO $${body}$ BEGIN IF NOT COALESCE((${c.sql}), false) THEN RAISE EXCEPTION 'check-after is not true: %', $${text}$${c.sql}$${text}$; END IF; END $${body}$`,
      };
    });
}

/** A dollar-quote tag that `text` does not contain. */
function tagNotIn(text: string, base: string): string {
  let tag = base;
  for (let i = 1; text.includes(`$${tag}$`); i++) tag = `${base}${i}`;
  return tag;
}
