/** Dependency-graph walks shared by the tools that order migrations by a graph (Alembic, Django). */

/**
 * Every node reachable from `starts` after the nodes it depends on, each once: a post-order depth-first
 * walk, the starts in the order given and each node's `parents` in the order returned (that order is a
 * tool's tie-break). A parent already on the walk's path is skipped, so a cycle ends instead of looping.
 * Iterative: a chain of thousands of migrations is common and must not exhaust the call stack.
 */
export function dependenciesFirst<K>(starts: Iterable<K>, parents: (k: K) => readonly K[]): K[] {
  const out: K[] = [];
  const done = new Set<K>();
  const onPath = new Set<K>();
  for (const start of starts) {
    if (done.has(start)) continue;
    const stack = [{ key: start, next: parents(start), i: 0 }];
    onPath.add(start);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i < top.next.length) {
        const p = top.next[top.i++];
        if (done.has(p) || onPath.has(p)) continue;
        onPath.add(p);
        stack.push({ key: p, next: parents(p), i: 0 });
      } else {
        stack.pop();
        onPath.delete(top.key);
        done.add(top.key);
        out.push(top.key);
      }
    }
  }
  return out;
}

/**
 * One cycle of the graph as the path that closes it (its first node depends, through the others, on
 * itself), or undefined when there is none. Nodes and children are tried in the order given, so the
 * answer is the same on every run.
 */
export function findCycle<K>(nodes: Iterable<K>, children: (k: K) => readonly K[]): K[] | undefined {
  const done = new Set<K>();
  for (const start of nodes) {
    if (done.has(start)) continue;
    const path: K[] = [start];
    const iters = [0];
    const onPath = new Set<K>([start]);
    while (path.length) {
      const top = path[path.length - 1];
      const next = children(top);
      const i = iters[iters.length - 1]++;
      if (i < next.length) {
        const c = next[i];
        if (onPath.has(c)) return path.slice(path.indexOf(c));
        if (done.has(c)) continue;
        path.push(c);
        iters.push(0);
        onPath.add(c);
      } else {
        path.pop();
        iters.pop();
        onPath.delete(top);
        done.add(top);
      }
    }
  }
  return undefined;
}
