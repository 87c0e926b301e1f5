/**
 * The live view of a running migration on a terminal or in a log: who it waits on, who waits behind
 * it, and a cancellation by the policy. A terminal gets one status line, rewritten as the ages grow;
 * a log gets a line when the picture changes (a new blocker, the queue growing or emptying).
 */
import { describeBlocker, type Blocker, type MonitorEvent } from '../core/runner';
import { ms } from '../core/text';
import type { Io } from './io';

export interface MonitorLines {
  update(e: MonitorEvent): void;
  /** ends the status line before other output */
  end(): void;
}

export function monitorLines(io: Io): MonitorLines {
  let open = false;
  let blockers: Blocker[] = [];
  let queue = { sessions: 0, oldestWaitMs: 0, apps: [] as string[] };
  let logged = '';
  const status = (version: string): string => {
    const parts: string[] = [];
    if (blockers.length) parts.push(`waits on ${blockers.map(describeBlocker).join('; ')}`);
    if (queue.sessions)
      parts.push(
        `${queue.sessions} session${queue.sessions === 1 ? '' : 's'} wait${queue.sessions === 1 ? 's' : ''} behind it (oldest ${ms(queue.oldestWaitMs)}${queue.apps.length ? `; ${queue.apps.join(', ')}` : ''})`,
      );
    return parts.length ? `  ${version}: ${parts.join(' · ')}` : `  ${version}: no longer blocked`;
  };
  const end = (): void => {
    if (open) io.err('\n');
    open = false;
  };
  return {
    update(e) {
      if (e.type === 'policy-cancel') {
        end();
        io.err(`  ${e.version}: ${e.reason}\n`);
        return;
      }
      if (e.type === 'blocked') blockers = e.waitingOn;
      else queue = { sessions: e.sessions, oldestWaitMs: e.oldestWaitMs, apps: e.applicationNames };
      if (io.progress) {
        io.err(`\r\x1b[2K${status(e.version)}`);
        open = true;
        return;
      }
      // a log: only when who blocks, or whether anyone queues, changes
      const key = `${blockers.map((b) => b.pid).join(',')}|${queue.sessions > 0 ? queue.sessions : 0}`;
      if (key === logged) return;
      logged = key;
      io.err(`${status(e.version)}\n`);
    },
    end,
  };
}
