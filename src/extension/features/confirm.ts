/**
 * Confirmation of an action on a database: an environment marked production needs its name typed,
 * any other a modal Yes (or nothing, for writes the person already asked for by clicking Up).
 */
import * as vscode from 'vscode';
import type { Environment } from './environments';

/** On a production environment, asks for its name to be typed; true when it was (or the env is not production). */
export async function confirmProduction(env: Environment, title: string, prompt: string): Promise<boolean> {
  if (!env.config?.production) return true;
  const typed = await vscode.window.showInputBox({
    title,
    prompt: `${prompt} Type ${env.label} to confirm.`,
    placeHolder: env.label,
    ignoreFocusOut: true,
    validateInput: (v) => (v === env.label ? undefined : `type ${env.label} exactly to confirm`),
  });
  return typed === env.label;
}
