/** Durations as people write them in config and directives: '500ms', '5s', '2min', '1h' (a bare number is ms). */
export function parseDurationMs(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'min' ? 60_000 : 3_600_000;
  return Number(m[1]) * factor;
}

/** Waits `ms`, or less when `signal` aborts first (then resolves, never rejects: the caller checks why). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
