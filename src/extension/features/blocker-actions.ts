/**
 * Acting on a session the running migration waits for, from the Running section of the Migrations
 * view: Cancel its query (pg_cancel_backend: the error aborts the transaction it runs in, which
 * releases its locks; a session idle in its transaction has no query to cancel) or Terminate it
 * (pg_terminate_backend: its connection closes, its transaction is rolled back, its locks released). Each is confirmed; a production environment needs
 * its name typed; a read-only environment never offers them (the item says so) and refuses here too.
 * The signal is sent from a session of its own, as the run's session is busy with the migration.
 */
import * as vscode from 'vscode';
import { openDriver } from '../../core/db/open';
import { errorText } from '../../core/text';
import type { Ctx } from '../ctx';
import { confirmProduction } from './confirm';
import { BlockerItem } from './migrations-tree';
import type { Runs } from './runs';

export type BlockerAction = 'cancel' | 'terminate';

export class BlockerActions {
  constructor(
    private readonly ctx: Ctx,
    private readonly runs: Runs,
  ) {}

  /** Returns whether the server accepted the signal (false also when not confirmed or refused). */
  async act(arg: unknown, how: BlockerAction): Promise<boolean> {
    const on = this.runs.runningOn();
    const item = arg instanceof BlockerItem ? arg : undefined;
    if (!item || !on) {
      void vscode.window.showInformationMessage(
        'pgshift: no migration is running, or it waits on no one now.',
      );
      return false;
    }
    const { env, target } = on;
    const b = item.blocker;
    const who = `pid ${b.pid} (${b.applicationName || 'no application_name'}${b.user ? `, ${b.user}` : ''})`;
    if (env.config?.readOnly) {
      void vscode.window.showWarningMessage(
        `pgshift: ${env.label} is read-only: pgshift does not act on other sessions there.`,
      );
      return false;
    }
    const what =
      how === 'cancel'
        ? `Cancel the running query of ${who}? In a transaction the error aborts it, which releases its locks; the session stays connected. A session idle in its transaction has no query to cancel: Terminate it instead.`
        : `Terminate ${who}? Its connection is closed and its open transaction rolled back, which releases the locks ${item.version} waits for.`;
    const title = how === 'cancel' ? 'Cancel Query' : 'Terminate Session';
    const ok = env.config?.production
      ? await confirmProduction(env, `pgshift: ${title} on production "${env.label}"`, what)
      : (await vscode.window.showWarningMessage(`pgshift: ${what}`, { modal: true }, title)) === title;
    if (!ok) {
      this.ctx.output.info(`${title} of ${who} on ${env.label}: not confirmed, nothing sent`);
      return false;
    }
    const fn = how === 'cancel' ? 'pg_cancel_backend' : 'pg_terminate_backend';
    try {
      const d = await openDriver(target.target, { applicationName: 'pgshift (VS Code)' });
      try {
        const r = await d.query<{ ok: boolean }>(`SELECT ${fn}($1) AS ok`, [b.pid]);
        const sent = r.rows[0]?.ok === true;
        const text = sent
          ? `${fn}(${b.pid}) sent: ${who} ${how === 'cancel' ? 'has its query cancelled' : 'is terminated'}`
          : `${fn}(${b.pid}) returned false: ${who} has already ended, or your user may not signal it`;
        this.ctx.output[sent ? 'info' : 'warn'](`${env.label}: ${text}`);
        void vscode.window[sent ? 'showInformationMessage' : 'showWarningMessage'](`pgshift: ${text}.`);
        return sent;
      } finally {
        await d.close();
      }
    } catch (e) {
      const msg = `pgshift: ${fn}(${b.pid}) failed on ${env.label}: ${errorText(e)}`;
      this.ctx.output.error(msg);
      void vscode.window.showErrorMessage(msg);
      return false;
    }
  }
}
