/** Text scanning that the parse tree cannot replace (IndexElem and column-name lists carry no location). */

export interface ParenList {
  /** char offsets of the opening and closing parenthesis */
  open: number;
  close: number;
  /** char spans of the top-level items, trimmed */
  items: { start: number; end: number }[];
}

/**
 * The first parenthesised list at or after `from` (skipping quoted names, strings and comments), with the
 * char spans of its top-level items, trimmed.
 */
export function parenList(text: string, from: number): ParenList | undefined {
  let depth = 0;
  let open = -1;
  let itemStart = -1;
  const items: { start: number; end: number }[] = [];
  const push = (end: number): void => {
    let s = itemStart;
    let e = end;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (e > s) items.push({ start: s, end: e });
  };
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return undefined;
      i = close;
      // a doubled quote is an escaped one: the scan goes on from it
      while (text[i + 1] === c) {
        const next = text.indexOf(c, i + 2);
        if (next < 0) return undefined;
        i = next;
      }
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (c === '(') {
      depth++;
      if (depth === 1) {
        open = i;
        itemStart = i + 1;
      }
    } else if (c === ')') {
      depth--;
      if (depth === 0 && open >= 0) {
        push(i);
        return { open, close: i, items };
      }
    } else if (c === ',' && depth === 1) {
      push(i);
      itemStart = i + 1;
    }
  }
  return undefined;
}
