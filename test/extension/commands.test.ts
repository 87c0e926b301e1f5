// The command registry against what package.json promises: every command is registered, the ones
// that need trust say so in their when clauses and refuse without it, and the menus' when clauses
// match the contextValues the Migrations view really produces.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId, NEEDS_TRUST } from '../../src/extension/command-ids';
import { refusal, UNTRUSTED_MESSAGE } from '../../src/extension/commands';
import { EXTENSION_ID, pgshift } from './helpers';

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

function manifest(): {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, MenuEntry[]>;
    walkthroughs: { steps: { media: { markdown?: string } }[] }[];
  };
} {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
}

/** The regular expressions of `viewItem =~ /.../` in a when clause. */
function viewItemPatterns(when: string): RegExp[] {
  return [...when.matchAll(/viewItem =~ \/((?:\\\/|[^/])+)\//g)].map((m) => new RegExp(m[1]));
}

describe('commands', () => {
  it('registers every command it contributes, and contributes every command it registers', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest()
      .contributes.commands.map((c) => c.command)
      .sort();
    assert.deepStrictEqual(contributed, Object.values(CommandId).sort());
    for (const id of contributed) assert.ok(registered.has(id), `${id} is contributed but not registered`);
  });

  it('hides commands that need trust in an untrusted workspace (palette and menus)', () => {
    const menus = manifest().contributes.menus;
    const palette = new Map(menus.commandPalette.map((m) => [m.command, m.when ?? '']));
    for (const id of NEEDS_TRUST) {
      const when = palette.get(id);
      assert.ok(when !== undefined, `${id} has no commandPalette entry`);
      assert.ok(
        when === 'false' || /(^|&& )isWorkspaceTrusted\b/.test(when),
        `${id}: palette when "${when}" lacks isWorkspaceTrusted`,
      );
      for (const [menu, entries] of Object.entries(menus)) {
        if (menu === 'commandPalette') continue;
        for (const e of entries.filter((x) => x.command === id)) {
          // the connection-error item's actions only exist after a trusted read failed
          if (e.when?.includes('viewItem == pgshift.connectionError')) continue;
          assert.ok(
            e.when?.includes('isWorkspaceTrusted'),
            `${menu} entry for ${id} ("${e.when}") lacks isWorkspaceTrusted`,
          );
        }
      }
    }
  });

  it('refuses what needs trust in an untrusted workspace with an explanation, and keeps lint working', () => {
    assert.ok(vscode.workspace.isTrusted, 'the test workspace is expected to be trusted');
    for (const id of NEEDS_TRUST) {
      assert.strictEqual(refusal(id, false), UNTRUSTED_MESSAGE);
      assert.strictEqual(refusal(id, true), undefined);
    }
    assert.match(UNTRUSTED_MESSAGE, /trusted workspace/);
    assert.match(UNTRUSTED_MESSAGE, /linting works/i);
    for (const id of [
      CommandId.lintWorkspace,
      CommandId.openRuleDoc,
      CommandId.showOutput,
      CommandId.refresh,
      CommandId.report,
    ]) {
      assert.strictEqual(refusal(id, false), undefined, `${id} should work without trust`);
    }
  });

  it("matches the Migrations view's context menu to the states of its items", async () => {
    const api = await pgshift();
    await vscode.commands.executeCommand('pgshift.selectEnvironment', '$sandbox');
    await api.inspect.statusLoaded();
    const items = api.inspect.migrations().filter((i) => i.contextValue?.startsWith('pgshift.migration '));
    assert.ok(items.length >= 8, `only ${items.length} migration items`);
    const menu = manifest().contributes.menus['view/item/context'].filter((e) =>
      e.when?.includes('view == pgshift.migrations'),
    );
    const offered = (contextValue: string): Set<string> =>
      new Set(
        menu
          .filter(
            (e) =>
              viewItemPatterns(e.when ?? '').every((r) => r.test(contextValue)) &&
              viewItemPatterns(e.when ?? '').length,
          )
          .map((e) => e.command),
      );
    const pending = items.find((i) => i.contextValue!.includes('state:pending'))!;
    const forPending = offered(pending.contextValue!);
    for (const id of [
      CommandId.up,
      CommandId.dryRun,
      CommandId.report,
      CommandId.revealInHistory,
      CommandId.copyVersion,
    ])
      assert.ok(forPending.has(id), `a pending migration's menu lacks ${id}`);
    assert.ok(!forPending.has(CommandId.down), 'a pending migration offers Down');
    const applied = pending.contextValue!.replace('state:pending', 'state:applied');
    const forApplied = offered(applied);
    assert.ok(
      forApplied.has(CommandId.down) && forApplied.has(CommandId.dryRunDown),
      'an applied migration does not offer Down',
    );
    assert.ok(!forApplied.has(CommandId.up), 'an applied migration offers Up');
  });

  it('ships a Getting Started walkthrough whose media exist', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const [walkthrough] = manifest().contributes.walkthroughs;
    assert.ok(walkthrough && walkthrough.steps.length >= 4);
    for (const step of walkthrough.steps) {
      if (step.media.markdown)
        assert.ok(
          fs.existsSync(path.join(ext.extensionPath, step.media.markdown)),
          `missing ${step.media.markdown}`,
        );
    }
  });

  it('copies a version', async () => {
    const v = await vscode.commands.executeCommand('pgshift.copyVersion', { version: '20260101090000' });
    assert.strictEqual(v, '20260101090000');
  });
});
