/**
 * What Django's MigrationLoader takes from a migration's `Migration` class to build its graph:
 * `dependencies`, `run_before`, `replaces` (and `initial`, which only `migrate --fake-initial` reads), read
 * from the file's text without running it. A dependency is `('app', 'name')`, `('app', '__first__')`,
 * `('app', '__latest__')` or `migrations.swappable_dependency(settings.X)`, which Django turns into
 * (the app of the setting's value, '__first__') (django/db/migrations/migration.py).
 */
import { literalAt } from './literals';

export type DjangoRef = { app: string; name: string } | { swappable: string };

export interface DjangoMigrationSource {
  dependencies: DjangoRef[];
  runBefore: DjangoRef[];
  replaces: { app: string; name: string }[];
  initial: boolean;
}

type Token = { kind: 'str' | 'name' | 'punct'; text: string };

/** The tokens of the bracketed expression that starts at `i` (its brackets included), or undefined. */
function bracketed(text: string, i: number): Token[] | undefined {
  const open = text[i];
  if (open !== '[' && open !== '(') return undefined;
  const tokens: Token[] = [];
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
      continue;
    }
    if (/\s/.test(c) || c === '\\') {
      i++;
      continue;
    }
    const lit = literalAt(text, i, 'python');
    if (lit) {
      tokens.push({ kind: 'str', text: lit.value });
      i = lit.end;
      continue;
    }
    const name = /[A-Za-z_]\w*/y;
    name.lastIndex = i;
    const n = name.exec(text);
    if (n) {
      tokens.push({ kind: 'name', text: n[0] });
      i += n[0].length;
      continue;
    }
    tokens.push({ kind: 'punct', text: c });
    i++;
    if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      depth--;
      if (depth === 0) return tokens;
    }
  }
  return undefined;
}

/** `('app', 'name')` and `swappable_dependency(settings.X)` / `swappable_dependency('app.Model')`, in order. */
function refs(tokens: Token[]): DjangoRef[] {
  const out: DjangoRef[] = [];
  const at = (i: number, kind: Token['kind'], text?: string): boolean =>
    tokens[i]?.kind === kind && (text === undefined || tokens[i].text === text);
  for (let i = 0; i < tokens.length; i++) {
    if (
      at(i, 'punct', '(') &&
      at(i + 1, 'str') &&
      at(i + 2, 'punct', ',') &&
      at(i + 3, 'str') &&
      (at(i + 4, 'punct', ')') || (at(i + 4, 'punct', ',') && at(i + 5, 'punct', ')')))
    ) {
      out.push({ app: tokens[i + 1].text, name: tokens[i + 3].text });
      i += 4;
    } else if (at(i, 'name', 'swappable_dependency') && at(i + 1, 'punct', '(')) {
      if (at(i + 2, 'name', 'settings') && at(i + 3, 'punct', '.') && at(i + 4, 'name'))
        out.push({ swappable: tokens[i + 4].text });
      else if (at(i + 2, 'str')) out.push({ app: tokens[i + 2].text.split('.')[0], name: '__first__' });
    }
  }
  return out;
}

function assignment(text: string, name: string): Token[] | undefined {
  const m = new RegExp(`^[ \\t]*${name}[ \\t]*(?::[^=\\n]*)?=[ \\t]*`, 'm').exec(text);
  return m ? bracketed(text, m.index + m[0].length) : undefined;
}

export function parseDjangoMigration(text: string): DjangoMigrationSource {
  const list = (name: string): DjangoRef[] => {
    const t = assignment(text, name);
    return t ? refs(t) : [];
  };
  return {
    dependencies: list('dependencies'),
    runBefore: list('run_before'),
    replaces: list('replaces').filter((r): r is { app: string; name: string } => 'app' in r),
    initial: /^[ \t]*initial[ \t]*=[ \t]*True\b/m.test(text),
  };
}

/** `NAME = 'value'` in a settings module's text (the last assignment wins, as Python's would). */
export function settingIn(text: string, name: string): string | undefined {
  const all = [...text.matchAll(new RegExp(`^${name}[ \\t]*=[ \\t]*(?:'([^'\\n]*)'|"([^"\\n]*)")`, 'gm'))];
  const last = all[all.length - 1];
  return last && (last[1] ?? last[2]);
}
