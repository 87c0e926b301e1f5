/** Renders findings for people (compiler-style text with a code frame) and machines (json, sarif, github). */
import { relative, sep } from 'node:path';
import type { SourceText } from '../sql/source';
import { allRules } from './rules';
import { SEVERITIES, type Finding, type Severity } from './types';

export interface FileFindings {
  file: string;
  source: SourceText;
  findings: Finding[];
}

const DOCS_BASE = 'docs/rules';

export function docsPath(rule: string): string {
  return `${DOCS_BASE}/${rule}.md`;
}

/** A finding with its place in the file, 1-based as editors show it, and the text of its first line. */
export interface LocatedFinding extends Finding {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** the text of line `line` (the code frame of the text format) */
  lineText: string;
}

/**
 * What every format renders of one file. Made from a linted file (reportFile), or by the lint cache from
 * what it stored, without the file's text: the findings with their positions, deserialized only when a
 * format needs them, and the file's part of the JSON report as it was rendered when the file was linted.
 */
export interface ReportFile {
  file: string;
  /** findings per severity, in SEVERITIES order */
  counts: readonly number[];
  located(): LocatedFinding[];
  /** the file's findings as formatJson prints them, in UTF-8, its name left as a NUL byte (see jsonPart) */
  json(): Buffer;
  /** the file's findings as the text format prints them without colour, without its name (see textPart) */
  text(): { bytes: Buffer; cuts: readonly number[] };
}

/** The report of a linted file; its parts are computed once, when first asked for. */
export function reportFile(ff: FileFindings): ReportFile {
  let located: LocatedFinding[] | undefined;
  let json: Buffer | undefined;
  let text: { bytes: Buffer; cuts: number[] } | undefined;
  const r: ReportFile = {
    file: ff.file,
    counts: countsOf(ff.findings),
    located: () => (located ??= locateFindings(ff)),
    json: () => (json ??= jsonPart(r.located())),
    text: () => (text ??= textPart(r.located())),
  };
  return r;
}

export function reportFiles(results: FileFindings[]): ReportFile[] {
  return results.map(reportFile);
}

export function countsOf(findings: readonly Finding[]): number[] {
  const counts = SEVERITIES.map(() => 0);
  for (const f of findings) counts[SEVERITIES.indexOf(f.severity)]++;
  return counts;
}

function locateFindings(ff: FileFindings): LocatedFinding[] {
  if (!ff.findings.length) return [];
  const lines = ff.source.text.split(/\r?\n|\r/);
  return ff.findings.map((f) => {
    const s = ff.source.positionAt(f.range.start);
    const e = ff.source.positionAt(f.range.end);
    return {
      ...f,
      line: s.line + 1,
      column: s.character + 1,
      endLine: e.line + 1,
      endColumn: e.character + 1,
      lineText: lines[s.line] ?? '',
    };
  });
}

/** A file's name as the reports print it: relative to cwd, with forward slashes. */
function shownName(file: string, cwd: string): string {
  return relative(cwd, file).split(sep).join('/') || file;
}

const COLORS: Record<Severity, string> = {
  error: '\x1b[31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  hint: '\x1b[2m',
};

export function formatText(results: ReportFile[], cwd: string, color: boolean): string {
  return textReport(results, cwd, color).toString('utf8');
}

/**
 * The text report's UTF-8 bytes. Without colour, from the files' stored parts (see textPart) with each
 * finding's file name put in front; with colour, from the findings.
 */
export function textReport(results: ReportFile[], cwd: string, color: boolean): Buffer {
  const paint = (code: string, s: string): string => (color ? `${code}${s}\x1b[0m` : s);
  const chunks: Uint8Array[] = [];
  const counts = SEVERITIES.map(() => 0);
  for (const r of results) {
    r.counts.forEach((n, i) => (counts[i] += n));
    if (!r.counts.some((n) => n > 0)) continue;
    if (color) {
      const file = shownName(r.file, cwd);
      for (const l of r.located()) chunks.push(Buffer.from(findingText(file, l, paint) + '\n'));
      continue;
    }
    const name = Buffer.from(shownName(r.file, cwd));
    const { bytes, cuts } = r.text();
    let at = 0;
    for (const cut of cuts) {
      chunks.push(name, bytes.subarray(at, at + cut), NEWLINE);
      at += cut;
    }
  }
  const [errors, warnings, infos, hints] = counts;
  const files = results.length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  chunks.push(
    Buffer.from(
      (errors + warnings + infos + hints === 0
        ? `checked ${plural(files, 'file')}: no problems found`
        : `checked ${plural(files, 'file')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${infos} info, ${plural(hints, 'hint')}`) +
        '\n',
    ),
  );
  return Buffer.concat(chunks);
}

const NEWLINE = Buffer.from('\n');

/** A finding as the text format prints it, from its file's name on: the location line, a code frame, help and docs. */
function findingText(file: string, l: LocatedFinding, paint: (code: string, s: string) => string): string {
  const gutter = ' '.repeat(String(l.line).length);
  const text = l.lineText;
  const width =
    l.endLine === l.line ? Math.max(1, l.endColumn - l.column) : Math.max(1, text.length - l.column + 1);
  const help = firstParagraph(l.help);
  return [
    `${paint('\x1b[1m', `${file}:${l.line}:${l.column}`)}: ${paint(COLORS[l.severity], l.severity)}: ${l.message} ${paint('\x1b[2m', `[${l.rule}]`)}`,
    `${gutter} |`,
    `${l.line} | ${text}`,
    `${gutter} | ${' '.repeat(l.column - 1)}${paint(COLORS[l.severity], '^'.repeat(width))}`,
    ...(help ? [`${gutter} = help: ${help}`] : []),
    `${gutter} = docs: ${docsPath(l.rule)}`,
    '',
  ].join('\n');
}

/**
 * A file's findings as the text format prints them without colour, in UTF-8, each without the file's
 * name it starts with; `cuts`: each finding's length in bytes (a name is put in front of each).
 */
export function textPart(located: LocatedFinding[]): { bytes: Buffer; cuts: number[] } {
  const texts = located.map((l) => findingText('', l, (_code, s) => s));
  return { bytes: Buffer.from(texts.join('')), cuts: texts.map((t) => Buffer.byteLength(t)) };
}

function firstParagraph(md: string): string {
  const p = md.split(/\n\s*\n/)[0] ?? '';
  return p.replace(/\*\*/g, '').replace(/`/g, '').replace(/\s+/g, ' ').trim();
}

/**
 * `{ findings, files }`, as JSON.stringify(…, null, 2) would print it (a test holds the two equal), put
 * together from each file's part, so that the lint cache can store a file's part and a run that finds
 * it there prints it without building or stringifying its findings (jsonReport: nor decoding them).
 */
export function formatJson(results: ReportFile[], cwd: string): string {
  return jsonReport(results, cwd).toString('utf8');
}

/** formatJson's UTF-8 bytes, from the files' parts as they are. */
export function jsonReport(results: ReportFile[], cwd: string): Buffer {
  const chunks: Uint8Array[] = [];
  for (const r of results) {
    if (!r.counts.some((n) => n > 0)) continue;
    const part = r.json();
    const name = Buffer.from(JSON.stringify(shownName(r.file, cwd)));
    chunks.push(chunks.length ? PART_SEPARATOR : FINDINGS_START);
    let at = 0;
    for (let nul = part.indexOf(0); nul >= 0; nul = part.indexOf(0, at)) {
      chunks.push(part.subarray(at, nul), name);
      at = nul + 1;
    }
    chunks.push(part.subarray(at));
  }
  chunks.push(Buffer.from(`${chunks.length ? '\n  ]' : '[]'},\n  "files": ${results.length}\n}\n`));
  return Buffer.concat([JSON_START, ...chunks]);
}

const JSON_START = Buffer.from('{\n  "findings": ');
const FINDINGS_START = Buffer.from('[\n');
const PART_SEPARATOR = Buffer.from(',\n');

/**
 * A file's findings as they stand in the JSON report's "findings" array (indented, comma-separated), in
 * UTF-8, the file's name left as a NUL byte, which JSON.stringify never prints (it escapes U+0000).
 */
export function jsonPart(located: LocatedFinding[]): Buffer {
  // what JSON.stringify(finding, null, 2) prints, four spaces in: every value is a string or a number
  const q = JSON.stringify;
  return Buffer.from(
    located
      .map(
        (l) =>
          `    {\n      "file": \0,\n      "rule": ${q(l.rule)},\n      "severity": ${q(l.severity)},\n      "line": ${l.line},\n      "column": ${l.column},\n      "endLine": ${l.endLine},\n      "endColumn": ${l.endColumn},\n      "message": ${q(l.message)},\n      "help": ${q(l.help)}\n    }`,
      )
      .join(',\n'),
  );
}

/** GitHub Actions workflow commands: annotations on the pull request. */
export function formatGithub(results: ReportFile[], cwd: string): string {
  const esc = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string): string => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const level: Record<Severity, string> = {
    error: 'error',
    warning: 'warning',
    info: 'notice',
    hint: 'notice',
  };
  return (
    results
      .flatMap((r) => {
        const file = shownName(r.file, cwd);
        return r
          .located()
          .map(
            (l) =>
              `::${level[l.severity]} file=${escProp(file)},line=${l.line},col=${l.column},endLine=${l.endLine},endColumn=${l.endColumn},title=${escProp(`pgshift ${l.rule}`)}::${esc(l.message)}`,
          );
      })
      .join('\n') + (results.some((r) => r.counts.some((n) => n > 0)) ? '\n' : '')
  );
}

export function formatSarif(results: ReportFile[], cwd: string, toolVersion: string): string {
  const usedRules = [...new Set(results.flatMap((r) => r.located().map((f) => f.rule)))].sort();
  const rules = usedRules.map((id) => {
    const meta = allRules.find((r) => r.meta.id === id)?.meta;
    return {
      id,
      name: id,
      shortDescription: { text: meta?.description ?? id },
      helpUri: `https://github.com/pgshift/pgshift/blob/main/${docsPath(id)}`,
      defaultConfiguration: { level: sarifLevel(meta?.defaultSeverity ?? 'warning') },
    };
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pgshift',
            version: toolVersion,
            informationUri: 'https://github.com/pgshift/pgshift',
            rules,
          },
        },
        results: results.flatMap((r) =>
          r.located().map((l) => ({
            ruleId: l.rule,
            ruleIndex: usedRules.indexOf(l.rule),
            level: sarifLevel(l.severity),
            message: { text: l.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodeURI(shownName(r.file, cwd)) },
                  region: {
                    startLine: l.line,
                    startColumn: l.column,
                    endLine: l.endLine,
                    endColumn: l.endColumn,
                  },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}
