/**
 * A SQL file as the linter sees it. Every offset in core is a UTF-8 byte offset into `bytes`, as
 * PostgreSQL's parser reports them; this class is the one place that turns a byte offset into the
 * editor's (line, UTF-16 character) position.
 */
export interface Position {
  /** 0-based line */
  line: number;
  /** 0-based UTF-16 code unit offset within the line (what VS Code and LSP count) */
  character: number;
}

export class SourceText {
  readonly bytes: Buffer;
  private readonly ascii: boolean;
  private lineStarts?: number[];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.ascii = this.bytes.length === text.length;
  }

  get length(): number {
    return this.bytes.length;
  }

  slice(start: number, end: number): string {
    return this.ascii ? this.text.slice(start, end) : this.bytes.toString('utf8', start, end);
  }

  positionAt(byteOffset: number): Position {
    const off = Math.max(0, Math.min(byteOffset, this.bytes.length));
    const starts = this.getLineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = starts[lo];
    return { line: lo, character: this.utf16Length(lineStart, off) };
  }

  /** Byte offset of a (line, UTF-16 character) position; the inverse of positionAt. */
  offsetAt(pos: Position): number {
    const starts = this.getLineStarts();
    if (pos.line >= starts.length) return this.bytes.length;
    const lineStart = starts[Math.max(0, pos.line)];
    const lineEnd = pos.line + 1 < starts.length ? starts[pos.line + 1] : this.bytes.length;
    if (this.ascii) return Math.min(lineStart + pos.character, lineEnd);
    let units = 0;
    let i = lineStart;
    while (i < lineEnd && units < pos.character) {
      const b = this.bytes[i];
      const len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      units += len === 4 ? 2 : 1;
      i += len;
    }
    return Math.min(i, lineEnd);
  }

  /** UTF-16 offset in `text` of a byte offset. */
  utf16Offset(byteOffset: number): number {
    if (this.ascii) return Math.max(0, Math.min(byteOffset, this.text.length));
    return this.utf16Length(0, Math.max(0, Math.min(byteOffset, this.bytes.length)));
  }

  /** Byte offset of a UTF-16 offset in `text`. */
  byteOffset(utf16Offset: number): number {
    if (this.ascii) return utf16Offset;
    return Buffer.byteLength(this.text.slice(0, utf16Offset), 'utf8');
  }

  lineCount(): number {
    return this.getLineStarts().length;
  }

  private utf16Length(from: number, to: number): number {
    if (this.ascii) return to - from;
    let units = 0;
    for (let i = from; i < to;) {
      const b = this.bytes[i];
      // A lead byte of a 4-byte sequence is a surrogate pair in UTF-16; continuation bytes count nothing.
      if (b < 0x80) {
        units += 1;
        i += 1;
      } else if (b >= 0xf0) {
        units += 2;
        i += 4;
      } else if (b >= 0xe0) {
        units += 1;
        i += 3;
      } else if (b >= 0xc0) {
        units += 1;
        i += 2;
      } else {
        i += 1;
      }
    }
    return units;
  }

  private getLineStarts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      const b = this.bytes;
      for (let i = 0; i < b.length; i++) {
        if (b[i] === 10) starts.push(i + 1);
        else if (b[i] === 13 && b[i + 1] !== 10) starts.push(i + 1);
      }
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }
}

/** How many line feeds bytes [from, to) hold: the line of a byte offset, counted from `from`. */
export function countNewlines(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10, from); i >= 0 && i < to; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
