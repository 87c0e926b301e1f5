/**
 * Checks every planned step before anything runs, and cuts each script into its statements.
 */
import { basename } from 'node:path';
import type { StepBackup } from './backup';
import { PgshiftError } from '../errors';
import type { PlanStep } from './plan';
import { label } from './plan';
import { loadParser } from '../sql/parser';
import { backfillShape } from './backfill-plan';
import { onlyRefusedInTransaction } from '../pg/transaction';
import { classifyStatement, scriptStatements, type ScriptStatement } from './statements';

/** A step ready to run: its statements, with an outer BEGIN/COMMIT pair of the file's own removed. */
export interface PreparedStep extends PlanStep {
  statements: ScriptStatement[];
  /** what it destroys and the backups made before (set by planStepBackups when backups are on) */
  backup?: StepBackup;
}

/**
 * Checks every step before anything runs. A wrapped file may not hold a statement PostgreSQL refuses
 * in a transaction, nor transaction control of its own (an outer BEGIN ... COMMIT pair is dropped:
 * pgshift's transaction replaces it).
 */
export async function prepareSteps(steps: readonly PlanStep[]): Promise<PreparedStep[]> {
  const out: PreparedStep[] = [];
  for (const step of steps) {
    let statements = scriptStatements(step.script);
    if (!step.noTransaction) {
      const kinds = await Promise.all(statements.map((s) => classifyStatement(s.sql)));
      // Liquibase runs a changeset in a transaction unless it says runInTransaction:false, whatever it holds
      const only = step.migration.changeSet ? undefined : onlyRefusedInTransaction(kinds, (k) => k);
      if (only) {
        // nothing a transaction could hold together: run it as PostgreSQL allows, as Flyway does
        out.push({ ...step, noTransaction: true, onlyNonTransactional: only, statements });
        continue;
      }
      const first = kinds[0];
      const last = kinds[kinds.length - 1];
      if (
        kinds.length >= 2 &&
        first.kind === 'transaction-control' &&
        /^(BEGIN|START)/.test(first.command) &&
        last.kind === 'transaction-control' &&
        /^COMMIT/.test(last.command) &&
        kinds.slice(1, -1).every((k) => k.kind !== 'transaction-control')
      ) {
        statements = statements.slice(1, -1);
        kinds.splice(0, 1);
        kinds.pop();
      }
      const where = (i: number) => `${basename(step.script.file)} line ${statements[i].line}`;
      const tx = kinds.findIndex((k) => k.kind === 'transaction-control');
      if (tx >= 0) {
        throw new PgshiftError(
          `nothing was run: ${where(tx)}: ${(kinds[tx] as { command: string }).command} — ${label(step.migration)} controls its own transaction, but pgshift already runs each migration in one`,
          {
            hint: 'remove the BEGIN / COMMIT statements, or mark the file with `-- pgshift:no-transaction` to run it as written',
            code: 'transaction-control',
          },
        );
      }
      const noTx = kinds.findIndex((k) => k.kind === 'no-transaction');
      if (noTx >= 0 && step.migration.changeSet)
        throw new PgshiftError(
          `nothing was run: ${where(noTx)}: ${(kinds[noTx] as { command: string }).command} cannot run inside a transaction, and changeset ${step.migration.name} runs in one (Liquibase's would fail the same way)`,
          {
            hint: `add runInTransaction:false to its --changeset line (and keep the changeset to statements that may be re-run)`,
            code: 'needs-no-transaction',
          },
        );
      if (noTx >= 0) {
        throw new PgshiftError(
          `nothing was run: ${where(noTx)}: ${(kinds[noTx] as { command: string }).command} cannot run inside a transaction, and ${label(step.migration)} runs in one`,
          {
            hint: `move it to a migration of its own (a file that holds only such statements runs outside a transaction by itself), or add \`-- pgshift:no-transaction\` as the first line of ${basename(step.script.file)} (and keep the file to statements that may be re-run)`,
            code: 'needs-no-transaction',
          },
        );
      }
    }
    await refuseBadBatches(step, statements);
    out.push({ ...step, statements });
  }
  return out;
}

/** A batch directive that cannot work stops the run before anything of it runs. */
async function refuseBadBatches(step: PlanStep, statements: readonly ScriptStatement[]): Promise<void> {
  const batches = step.script.data?.batches ?? [];
  if (!batches.length) return;
  const parser = await loadParser();
  const kinds = await Promise.all(statements.map((s) => classifyStatement(s.sql)));
  const tx = kinds.findIndex((k) => k.kind === 'transaction-control');
  if (tx >= 0)
    throw new PgshiftError(
      `nothing was run: ${basename(step.script.file)} line ${statements[tx].line}: ${(kinds[tx] as { command: string }).command} — a file holding pgshift:batch runs statement by statement so that each batch commits on its own, and its own transaction would hold them all`,
      { hint: 'remove the BEGIN / COMMIT statements (`pgshift lint` shows it too)', code: 'bad-batch' },
    );
  for (const b of batches) {
    const stmt = statements[b.statement];
    const where = `${basename(step.script.file)}${stmt ? ` line ${stmt.line}` : ''}`;
    let reason = b.error ?? (stmt ? undefined : 'no statement follows it');
    if (!reason && stmt) {
      const parsed = parser.parse(stmt.sql);
      const shape =
        parsed.ok && parsed.statements.length === 1
          ? backfillShape(parsed.statements[0].node, stmt.sql, (t) => parser.scan(t))
          : { ok: false as const, reason: 'the statement does not parse' };
      if (!shape.ok) reason = shape.reason;
    }
    if (reason)
      throw new PgshiftError(`nothing was run: ${where}: pgshift:batch: ${reason}`, {
        hint: 'fix the directive or the statement (`pgshift lint` shows it too), or remove the directive to run the statement whole',
        code: 'bad-batch',
      });
  }
}
