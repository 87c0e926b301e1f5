/**
 * The one command registry: every handler is registered here, behind the same guard. A command that
 * needs trust (NEEDS_TRUST) explains itself and does nothing in an untrusted workspace; a failure
 * becomes one notification line and a log entry, never an unhandled rejection.
 */
import * as vscode from 'vscode';
import { NEEDS_TRUST, type CommandId } from './command-ids';
import type { Ctx } from './ctx';
import { errorText } from './features/format';

/** Handlers take whatever VS Code passes (tree items, URIs, lens arguments): each checks its own. */
export type CommandHandler = (...args: unknown[]) => unknown;

export const UNTRUSTED_MESSAGE =
  'pgshift runs nothing in an untrusted workspace: linting works, but connecting to a database, running migrations and creating files need a trusted workspace.';

/** Why `id` may not run now, or undefined when it may. */
export function refusal(id: CommandId, trusted: boolean): string | undefined {
  return NEEDS_TRUST.has(id) && !trusted ? UNTRUSTED_MESSAGE : undefined;
}

export function registerCommands(ctx: Ctx, handlers: Record<CommandId, CommandHandler>): void {
  for (const [id, handler] of Object.entries(handlers) as [CommandId, CommandHandler][]) {
    ctx.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        const why = refusal(id, ctx.trusted);
        if (why) {
          ctx.output.warn(`${id}: refused, the workspace is not trusted`);
          void vscode.window.showWarningMessage(`pgshift: ${why}`, 'Manage Workspace Trust').then((pick) => {
            if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
          });
          return undefined;
        }
        try {
          return await handler(...args);
        } catch (e) {
          const msg = errorText(e);
          ctx.output.error(`${id}: ${msg}`);
          void vscode.window.showErrorMessage(`pgshift: ${msg}`);
          return undefined;
        }
      }),
    );
  }
}
