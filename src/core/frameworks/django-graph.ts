/**
 * Django's apply order, as `manage.py showmigrations --plan` prints it: MigrationLoader.build_graph
 * (django/db/migrations/loader.py) builds the graph, MigrationGraph (graph.py) walks it. Ported step by
 * step from Django 3.2 (graph.py's walk reads the same in a later django/django source), and checked against Django itself on the fixtures
 * in test/unit/fixtures/frameworks/django-*:
 * - same-app dependencies first (a same-app `__first__` is ignored), then the others, where
 *   `__first__` / `__latest__` mean the app's first root / leaf node at that moment, and `run_before`
 *   makes the named migration depend on this one;
 * - a squashed migration stands in for what it replaces when all or none of that is applied (edges to
 *   the replaced ones move to it); otherwise it leaves the graph and the originals stay;
 * - the plan: each leaf node (no child in its own app), sorted by (app, name), then its forwards plan,
 *   a depth-first walk of parents in reverse sorted order, each migration once.
 * pgshift sees only the project's apps: a dependency on an app it has no migrations of (a package's
 * app such as django.contrib.auth, or one without migrations) is left out, as Django leaves out one on
 * an unmigrated app.
 */
import { dependenciesFirst, findCycle } from './graph';

export interface DjangoMigrationInput {
  app: string;
  name: string;
  dependencies: { app: string; name: string }[];
  runBefore: { app: string; name: string }[];
  replaces: { app: string; name: string }[];
}

export interface DjangoGraphProblem {
  /** the exception Django's loader raises */
  kind: 'NodeNotFoundError' | 'CircularDependencyError';
  /** the migration whose file the problem is in (`app.name`), or the app's first one */
  origin: string;
  /** the apps whose order pgshift cannot know and lists by file name instead */
  apps: string[];
  message: string;
}

export interface DjangoPlan {
  /** `app.name` in Django's order, without the broken apps */
  plan: string[];
  /** squashed migrations that stand in for what they replace (all or none of it applied) */
  squashesUsed: string[];
  problems: DjangoGraphProblem[];
  /** apps with two or more leaf nodes: `migrate` refuses until `makemigrations --merge` */
  conflicts: Map<string, string[]>;
  brokenApps: Set<string>;
}

interface Node {
  key: string;
  app: string;
  name: string;
  parents: Set<Node>;
  children: Set<Node>;
  /** a node named by a dependency but not on disk: Django's DummyNode */
  dummy?: { origin: string; message: string };
}

const keyOf = (app: string, name: string): string => `${app}.${name}`;

/** Python's repr of a (str, str) tuple, as Django's messages print a node. */
function tupleRepr(app: string, name: string): string {
  const r = (s: string): string =>
    s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `(${r(app)}, ${r(name)})`;
}

/** Python's tuple order on (app, name). */
function byKey(a: Node, b: Node): number {
  if (a.app !== b.app) return a.app < b.app ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

class Graph {
  readonly nodes = new Map<string, Node>();

  add(app: string, name: string): Node {
    const n: Node = { key: keyOf(app, name), app, name, parents: new Set(), children: new Set() };
    this.nodes.set(n.key, n);
    return n;
  }

  private nodeFor(ref: { app: string; name: string }, origin: string, role: 'child' | 'parent'): Node {
    const found = this.nodes.get(keyOf(ref.app, ref.name));
    if (found) return found;
    const n = this.add(ref.app, ref.name);
    n.dummy = {
      origin,
      message: `Migration ${origin} dependencies reference nonexistent ${role} node ${tupleRepr(ref.app, ref.name)}`,
    };
    return n;
  }

  depend(origin: string, child: { app: string; name: string }, parent: { app: string; name: string }): void {
    const c = this.nodeFor(child, origin, 'child');
    const p = this.nodeFor(parent, origin, 'parent');
    c.parents.add(p);
    p.children.add(c);
  }

  /** nodes with no parent (root) or no child (leaf) in their own app, sorted */
  ends(kind: 'root' | 'leaf', app?: string): Node[] {
    return [...this.nodes.values()]
      .filter(
        (n) =>
          (!app || n.app === app) &&
          ![...(kind === 'root' ? n.parents : n.children)].some((x) => x.app === n.app),
      )
      .sort(byKey);
  }

  removeReplaced(replacement: Node, replaced: string[]): void {
    const gone = new Set(replaced);
    for (const key of gone) {
      const r = this.nodes.get(key);
      if (!r) continue;
      this.nodes.delete(key);
      for (const child of r.children) {
        child.parents.delete(r);
        if (!gone.has(child.key)) {
          replacement.children.add(child);
          child.parents.add(replacement);
        }
      }
      for (const parent of r.parents) {
        parent.children.delete(r);
        if (!gone.has(parent.key)) {
          replacement.parents.add(parent);
          parent.children.add(replacement);
        }
      }
    }
  }

  removeReplacement(replacement: Node, replaced: string[]): void {
    this.nodes.delete(replacement.key);
    const latest = new Set<Node>();
    const parentsOfReplaced = new Set<Node>();
    for (const key of replaced) {
      const r = this.nodes.get(key);
      if (!r) continue;
      latest.add(r);
      for (const p of r.parents) parentsOfReplaced.add(p);
    }
    for (const p of parentsOfReplaced) latest.delete(p);
    for (const child of replacement.children) {
      child.parents.delete(replacement);
      for (const r of latest) {
        r.children.add(child);
        child.parents.add(r);
      }
    }
    for (const parent of replacement.parents) parent.children.delete(replacement);
  }

  drop(n: Node): void {
    this.nodes.delete(n.key);
    for (const p of n.parents) p.children.delete(n);
    for (const c of n.children) c.parents.delete(n);
  }
}

const ignoredFirst = (app: string, ref: { app: string; name: string }): boolean =>
  ref.app === app && ref.name === '__first__';

/**
 * Django's plan for `migrations` (every one of the project's apps, in any order) given the applied
 * keys. What Django refuses to load (a dependency on a migration that does not exist, a cycle) becomes a
 * problem, and the apps it concerns leave the plan rather than stopping it.
 */
export function djangoPlan(migrations: DjangoMigrationInput[], applied: ReadonlySet<string>): DjangoPlan {
  const g = new Graph();
  const apps = new Set(migrations.map((m) => m.app));
  for (const m of migrations) g.add(m.app, m.name);
  for (const m of migrations)
    for (const dep of m.dependencies)
      if (dep.app === m.app && !ignoredFirst(m.app, dep)) g.depend(keyOf(m.app, m.name), m, dep);

  // loader.check_key, except that an app pgshift has no migrations of is one it cannot see
  const resolve = (
    ref: { app: string; name: string },
    app: string,
  ): { app: string; name: string } | undefined => {
    if (!apps.has(ref.app)) return undefined;
    if ((ref.name !== '__first__' && ref.name !== '__latest__') || g.nodes.has(keyOf(ref.app, ref.name)))
      return ref;
    if (ref.app === app) return undefined;
    return g.ends(ref.name === '__first__' ? 'root' : 'leaf', ref.app)[0];
  };
  for (const m of migrations) {
    const origin = keyOf(m.app, m.name);
    for (const dep of m.dependencies) {
      if (dep.app === m.app) continue;
      const parent = resolve(dep, m.app);
      if (parent) g.depend(origin, m, parent);
    }
    for (const rb of m.runBefore) {
      const child = resolve(rb, m.app);
      if (child) g.depend(origin, child, m);
    }
  }

  const squashesUsed: string[] = [];
  const notUsed = new Map<string, string[]>();
  for (const m of migrations) {
    if (!m.replaces.length) continue;
    const node = g.nodes.get(keyOf(m.app, m.name))!;
    const replaced = m.replaces.map((r) => keyOf(r.app, r.name));
    const done = replaced.filter((k) => applied.has(k)).length;
    if (done === 0 || done === replaced.length) {
      g.removeReplaced(node, replaced);
      squashesUsed.push(node.key);
    } else {
      g.removeReplacement(node, replaced);
      for (const k of replaced) notUsed.set(k, [...(notUsed.get(k) ?? []), node.key]);
    }
  }

  const problems: DjangoGraphProblem[] = [];
  const brokenApps = new Set<string>();
  for (const n of [...g.nodes.values()]) {
    if (!n.dummy) continue;
    const originApp = n.dummy.origin.split('.')[0];
    const tried = notUsed.get(n.key);
    const message = tried
      ? `Migration ${n.dummy.origin} depends on nonexistent node ('${n.app}', '${n.name}'). Django tried to replace migration ${n.key} with any of [${tried.join(', ')}] but wasn't able to because some of the replaced migrations are already applied.`
      : n.dummy.message;
    problems.push({ kind: 'NodeNotFoundError', origin: n.dummy.origin, apps: [originApp], message });
    brokenApps.add(originApp);
    g.drop(n);
  }
  const dropApps = (names: Iterable<string>): void => {
    for (const app of names) for (const n of [...g.nodes.values()]) if (n.app === app) g.drop(n);
  };
  dropApps(brokenApps);
  for (;;) {
    const cycle = findCycle([...g.nodes.values()].sort(byKey), (n) => [...n.children].sort(byKey));
    if (!cycle) break;
    const cycleApps = [...new Set(cycle.map((n) => n.app))];
    problems.push({
      kind: 'CircularDependencyError',
      origin: cycle[0].key,
      apps: cycleApps,
      message: cycle.map((n) => n.key).join(', '),
    });
    cycleApps.forEach((a) => brokenApps.add(a));
    dropApps(cycleApps);
  }

  const leaves = g.ends('leaf');
  const conflicts = new Map<string, string[]>();
  for (const n of leaves) conflicts.set(n.app, [...(conflicts.get(n.app) ?? []), n.name]);
  for (const [app, names] of conflicts) if (names.length < 2) conflicts.delete(app);

  const plan = dependenciesFirst(leaves, (n) => [...n.parents].sort(byKey).reverse()).map((n) => n.key);
  return {
    plan,
    squashesUsed: squashesUsed.filter((k) => g.nodes.has(k)),
    problems,
    conflicts,
    brokenApps,
  };
}
