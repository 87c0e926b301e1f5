// A ustar archive of regular files and directories: what scripts/build-pglite-template.mjs packs a data
// directory into, and what src/core/db/pglite-template.ts's parseTar reads (its unit test packs with
// this very function). GNU and BSD tar read it too. Times, owners and groups are left at zero.

/** @param {{ path: string, type: 'file' | 'dir', mode: number, data?: Buffer }[]} entries */
export function ustar(entries) {
  const parts = [];
  for (const e of entries) {
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(e.path, data.length, e.type === 'dir' ? '5' : '0', e.mode), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024)); // the end-of-archive marker: two zero blocks
  return Buffer.concat(parts);
}

function header(path, size, type, mode) {
  const h = Buffer.alloc(512);
  const oct = (n, width) => n.toString(8).padStart(width - 1, '0') + '\0';
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/');
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
      throw new Error(`path too long for ustar: ${path}`);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(oct(mode & 0o777, 8), 100, 'latin1');
  h.write(oct(0, 8), 108, 'latin1'); // uid
  h.write(oct(0, 8), 116, 'latin1'); // gid
  h.write(oct(size, 12), 124, 'latin1');
  h.write(oct(0, 12), 136, 'latin1'); // mtime: unpacked files get the time they are written
  h.write(' '.repeat(8), 148, 'latin1'); // the checksum counts its own field as spaces
  h.write(type, 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}
