/**
 * The live view of a running migration: while a step runs, a second session (application_name
 * pgshift-monitor) polls pg_stat_activity and pg_blocking_pids about every 250 ms and says what the
 * migration's backend waits on (each blocking session: pid, application, user, client, state,
 * transaction age, the start of its query) and who waits behind it (how many sessions, the oldest
 * wait, their applications). With runner.maxBlockingMs / runner.maxQueued it enforces the policy: a
 * migration that others queue behind for longer, or in greater numbers, is cancelled, so the
 * application is never stalled for longer than the policy says.
 *
 * The session is opened on the first poll, so a run of fast migrations never opens it; it reads only
 * the statistics views (no lock on any table of the application) and shows only what
 * pg_stat_activity shows the connected user.
 */
import type { Driver } from '../db/driver';
import { ms } from '../text';
import { durationMs, type RunnerSettings } from './settings';

export const MONITOR_APPLICATION_NAME = 'pgshift-monitor';
const POLL_MS = 250;
/** how often the ages of an unchanged picture are sent again */
const REPEAT_MS = 1000;

export interface Blocker {
  pid: number;
  applicationName: string;
  user: string | null;
  client: string | null;
  state: string | null;
  /** how long its transaction has been open; null outside a transaction */
  xactAgeMs: number | null;
  /** the start of its current (or last) query, as pg_stat_activity shows it */
  query: string;
}

export type MonitorEvent =
  /** the migration's backend waits for these sessions' locks (an empty list: it no longer waits) */
  | { type: 'blocked'; version: string; waitingOn: Blocker[] }
  /** sessions wait behind a lock the migration holds or has asked for (0: none any more) */
  | { type: 'blocking'; version: string; sessions: number; oldestWaitMs: number; applicationNames: string[] }
  /** the policy (runner.maxBlockingMs / maxQueued) cancelled the migration */
  | { type: 'policy-cancel'; version: string; reason: string };

/** The abort reason of a migration the policy cancelled: its message is what history and the user see. */
export class PolicyCancel extends Error {}

export interface Monitor {
  /** Watches the step of `version` until the returned function is called; `cancel` stops the step. */
  watch(version: string, cancel: (reason: PolicyCancel) => void): () => void;
  close(): Promise<void>;
}

export interface MonitorOptions {
  /** opens the monitor's own session (the runner's session is busy running the migration) */
  open: () => Promise<Driver>;
  /** the runner's backend */
  pid: number;
  settings: RunnerSettings;
  onEvent?: (e: MonitorEvent) => void;
  /** for tests: how often to poll */
  pollMs?: number;
}

const BLOCKERS_SQL = `
  SELECT a.pid, coalesce(a.application_name, '') AS application_name, a.usename::text AS usename,
         a.client_addr::text AS client, a.state,
         (EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start) * 1000)::int8::text AS xact_age_ms,
         left(coalesce(a.query, ''), 200) AS query
  FROM pg_stat_activity a
  WHERE a.pid = ANY (pg_blocking_pids($1))
  ORDER BY a.xact_start NULLS LAST, a.pid`;

const QUEUE_SQL = `
  SELECT count(*)::int AS sessions,
         coalesce(max(EXTRACT(EPOCH FROM clock_timestamp() - a.query_start) * 1000), 0)::int8::text AS oldest_ms,
         coalesce(array_agg(DISTINCT coalesce(a.application_name, '')), '{}') AS apps
  FROM pg_stat_activity a
  WHERE a.wait_event_type = 'Lock' AND a.pid <> $1 AND $1 = ANY (pg_blocking_pids(a.pid))`;

export function createMonitor(opts: MonitorOptions): Monitor {
  let session: Promise<Driver | undefined> | undefined;
  let broken = false;

  function connect(): Promise<Driver | undefined> {
    session ??= (async () => {
      try {
        const d = await opts.open();
        // never wait on anything itself, never run long
        await d.exec(
          `SET application_name = '${MONITOR_APPLICATION_NAME}'; SET lock_timeout = '100ms'; SET statement_timeout = '2s'`,
        );
        return d;
      } catch {
        broken = true; // no live view, the run goes on; the policy cannot act without it either
        return undefined;
      }
    })();
    return session;
  }

  return {
    watch(version, cancel) {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let shown = { blockers: '', queued: 0, at: 0 };
      const schedule = (): void => {
        if (!stopped && !broken) timer = setTimeout(() => void poll(), opts.pollMs ?? POLL_MS);
      };
      const poll = async (): Promise<void> => {
        const d = await connect();
        if (!d || stopped) return;
        try {
          const [b, q] = [
            await d.query<BlockerRow>(BLOCKERS_SQL, [opts.pid]),
            await d.query<QueueRow>(QUEUE_SQL, [opts.pid]),
          ];
          if (stopped) return;
          const blockers = b.rows.map(toBlocker);
          const queue = toQueue(q.rows[0]);
          const now = Date.now();
          const key = blockers.map((x) => x.pid).join(',');
          const repeat = now - shown.at >= REPEAT_MS;
          if (key !== shown.blockers || (key && repeat))
            opts.onEvent?.({ type: 'blocked', version, waitingOn: blockers });
          if (queue.sessions !== shown.queued || (queue.sessions > 0 && repeat))
            opts.onEvent?.({ type: 'blocking', version, ...queue });
          if (key !== shown.blockers || queue.sessions !== shown.queued || repeat)
            shown = { blockers: key, queued: queue.sessions, at: now };
          const reason = policyBreach(queue, opts.settings);
          if (reason) {
            stopped = true;
            opts.onEvent?.({ type: 'policy-cancel', version, reason });
            cancel(new PolicyCancel(reason));
            return;
          }
        } catch {
          // a slow or failed poll is skipped; the next one tries again
        }
        schedule();
      };
      schedule();
      return () => {
        stopped = true;
        clearTimeout(timer);
        // the step is over: whatever was shown is over too
        if (shown.blockers) opts.onEvent?.({ type: 'blocked', version, waitingOn: [] });
        if (shown.queued)
          opts.onEvent?.({ type: 'blocking', version, sessions: 0, oldestWaitMs: 0, applicationNames: [] });
      };
    },
    async close() {
      const d = await session;
      await d?.close().catch(() => undefined);
    },
  };
}

interface BlockerRow {
  pid: number;
  application_name: string;
  usename: string | null;
  client: string | null;
  state: string | null;
  xact_age_ms: string | null;
  query: string;
}

interface QueueRow {
  sessions: number;
  oldest_ms: string;
  apps: string[];
}

function toBlocker(r: BlockerRow): Blocker {
  return {
    pid: r.pid,
    applicationName: r.application_name,
    user: r.usename,
    client: r.client,
    state: r.state,
    xactAgeMs: r.xact_age_ms === null ? null : Number(r.xact_age_ms),
    query: r.query,
  };
}

interface Queue {
  sessions: number;
  oldestWaitMs: number;
  /** their application names, sorted, empty ones left out */
  applicationNames: string[];
}

function toQueue(r: QueueRow): Queue {
  return {
    sessions: r.sessions,
    oldestWaitMs: Number(r.oldest_ms),
    applicationNames: r.apps.filter(Boolean).sort(),
  };
}

/** The cancel reason when the queue behind the migration breaks runner.maxBlockingMs or maxQueued. */
function policyBreach(q: Queue, settings: RunnerSettings): string | undefined {
  if (q.sessions === 0) return undefined;
  const maxBlockingMs = durationMs(settings.maxBlockingMs);
  const who = `${q.sessions} session${q.sessions === 1 ? '' : 's'}${q.applicationNames.length ? ` (${q.applicationNames.join(', ')})` : ''}`;
  if (maxBlockingMs !== undefined && q.oldestWaitMs > maxBlockingMs)
    return `cancelled by pgshift: ${who} waited behind its lock for ${ms(q.oldestWaitMs)}, over runner.maxBlockingMs (${settings.maxBlockingMs})`;
  if (settings.maxQueued !== null && q.sessions > settings.maxQueued)
    return `cancelled by pgshift: ${who} queued behind its lock, over runner.maxQueued (${settings.maxQueued})`;
  return undefined;
}

/** What an abort of the run or step means, in the words history and the user see. */
export function abortMessage(signal: AbortSignal | undefined): string {
  return signal?.reason instanceof PolicyCancel ? signal.reason.message : 'cancelled by the user';
}

/** 'pid 4242 reporting (alice@10.0.0.5), idle in transaction for 12.0 s: SELECT * FROM orders' */
export function describeBlocker(b: Blocker): string {
  const who = [b.user, b.client].filter(Boolean).join('@');
  const age = b.xactAgeMs !== null ? ` for ${ms(b.xactAgeMs)}` : '';
  const query = b.query ? `: ${b.query.replace(/\s+/g, ' ').slice(0, 80)}` : '';
  return `pid ${b.pid} ${b.applicationName || '(no application_name)'}${who ? ` (${who})` : ''}, ${b.state ?? 'unknown state'}${age}${query}`;
}
