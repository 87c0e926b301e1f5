import { allRules } from './rules';

// Meta rules report on the lint run itself (a file that does not parse, an ignore comment that silences
// nothing or gives no reason): an ignore never hides them, and the editor offers no ignore for them.
// Known by their category, so a new meta rule needs no list updated.
const META: ReadonlySet<string> = new Set(
  allRules.filter((r) => r.meta.category === 'meta').map((r) => r.meta.id),
);

export function isMetaRule(id: string): boolean {
  return META.has(id);
}
