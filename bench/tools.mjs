// Installs the peers the benchmarks compare against into bench/.tools (not a project dependency).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const root = join(benchDir, '..');
const tools = join(benchDir, '.tools');

export function ensureTool(pkg, bin) {
  const path = join(tools, 'node_modules', '.bin', bin);
  if (!existsSync(path)) {
    mkdirSync(tools, { recursive: true });
    if (!existsSync(join(tools, 'package.json'))) writeFileSync(join(tools, 'package.json'), '{"private": true}\n');
    console.error(`installing ${pkg} into bench/.tools ...`);
    execFileSync('npm', ['install', '--no-save', '--prefix', tools, pkg], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return path;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
