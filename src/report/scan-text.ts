/**
 * `scan --format text`: a table with one row per capture (packets, conversations, findings by
 * rule, errors) and the totals, the captures that could not be read with their one-line errors,
 * then the findings grouped across captures: the same failure of the same server endpoint in
 * 40 captures is one row with its count and the captures it was seen in.
 */
import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';
import stringWidth from 'string-width';
import { endpointLabel, plural } from '../model/words.js';
import type { ErrorCode, OsName, Severity } from '../rules/types.js';
import type { FindingTally, ScanResult, ScanTotals } from '../model/scan.js';
import { higherSeverity, tallyFindings, tallyKey } from './tally.js';
import { filteredSentence } from '../rules/filter.js';
import type { AnalysisReport, FilteredCount } from '../model/report.js';
import { terminalStyle, type TerminalOptions, type TerminalStyle } from './terminal.js';
import { CELL_PADDING, fitColumns, fitLine, NARROW_WIDTH } from './text.js';

/** Files named in a cross-capture group before "… and N more". */
export const MAX_GROUP_FILES = 3;
/** Cross-capture groups shown before "… N more groups". */
export const MAX_SCAN_GROUPS = 100;
/** Skipped (not a capture) files listed by name before "… and N more". */
const MAX_SKIPPED_LISTED = 10;

/** Findings of one rule about one server endpoint, across captures (`count` over all of them). */
export interface ScanFindingGroup extends FindingTally {
  /** Captures the group was seen in. */
  captures: number;
  /** The first MAX_GROUP_FILES of them in scan order (the ones the table names). */
  firstCaptures: string[];
}

interface GroupState extends ScanFindingGroup {
  /** Scan order of the capture names in `firstCaptures`. */
  firstIndexes: number[];
  /** Where the group first appears in scan order: capture index, then row in its tally. */
  firstSeen: [number, number];
}

/**
 * Merges the per-capture tallies into groups across captures (rule, protocol, server endpoint
 * and codes) as captures finish, in any order. A group keeps its counts and the names of the
 * first few captures it was seen in, so what is kept grows with the number of distinct
 * failures, not with the number of captures.
 */
export class ScanFindingGroups {
  private readonly byKey = new Map<string, GroupState>();

  /** Add the tally of the capture `file`, the `index`-th in scan order. */
  add(index: number, file: string, tally: readonly FindingTally[]): void {
    tally.forEach((row, rowIndex) => {
      const key = tallyKey(row);
      let g = this.byKey.get(key);
      if (!g) {
        g = { rule: row.rule, severity: row.severity, protocol: row.protocol, server: { ...row.server }, codes: row.codes, count: 0, captures: 0, firstCaptures: [], firstIndexes: [], firstSeen: [index, rowIndex] };
        this.byKey.set(key, g);
      } else if (index < g.firstSeen[0]) {
        g.firstSeen = [index, rowIndex];
      }
      g.count += row.count;
      g.captures++;
      g.severity = higherSeverity(g.severity, row.severity);
      let at = g.firstIndexes.length;
      while (at > 0 && g.firstIndexes[at - 1]! > index) at--;
      if (at < MAX_GROUP_FILES) {
        g.firstIndexes.splice(at, 0, index);
        g.firstCaptures.splice(at, 0, file);
        g.firstIndexes.length = Math.min(g.firstIndexes.length, MAX_GROUP_FILES);
        g.firstCaptures.length = g.firstIndexes.length;
      }
    });
  }

  /** The groups, seen in most captures first, then most findings, then in scan order. */
  groups(): ScanFindingGroup[] {
    const order = (a: GroupState, b: GroupState): number => b.captures - a.captures || b.count - a.count || a.firstSeen[0] - b.firstSeen[0] || a.firstSeen[1] - b.firstSeen[1];
    return [...this.byKey.values()].sort(order).map(({ firstIndexes: _i, firstSeen: _s, ...g }) => g);
  }
}

/**
 * Merge the per-capture tallies, in scan order, into groups across captures (rule, protocol,
 * server endpoint and codes), largest group first (ties in scan order).
 */
export function groupAcrossFiles(perFile: ReadonlyArray<{ file: string; tally: readonly FindingTally[] }>): ScanFindingGroup[] {
  const groups = new ScanFindingGroups();
  perFile.forEach(({ file, tally }, i) => groups.add(i, file, tally));
  return groups.groups();
}

function codeLabel(codes: readonly ErrorCode[], os: OsName): string {
  const c = codes.find((x) => x.os === os);
  return c ? `${c.code} ${c.name}` : '-';
}

/**
 * A table of `rows` that fits `width` columns (none: natural widths): every column of `wide` when
 * they fit, else those of `narrow` (below NARROW_WIDTH) and, when even those are too wide, cells
 * wrapped inside their columns by cli-table3 (a path is cut anywhere: it has no spaces), the
 * columns in `keepWhole` last.
 */
function fittedTable(head: string[], rows: Array<Array<string | number>>, style: TerminalStyle, colAligns: Array<'left' | 'right'>, width: number | undefined, layout: { wide: number[]; narrow: number[] }, keepWhole: ReadonlySet<number>): string[] {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widest = (c: number, measure: (line: string) => number) => Math.max(...cells.map((r) => Math.max(0, ...r[c]!.split('\n').map(measure)))) + CELL_PADDING;
  const natural = head.map((_, c) => widest(c, (l) => stringWidth(l)));
  const longestWord = head.map((_, c) => widest(c, (l) => Math.max(0, ...l.split(/\s+/).map((w) => stringWidth(w)))));
  const tableWidth = (cols: number[]) => cols.reduce((n, c) => n + natural[c]!, 0) + cols.length + 1;
  const kept = width !== undefined && width < NARROW_WIDTH && tableWidth(layout.wide) > width ? layout.narrow : layout.wide;
  const colWidths =
    width === undefined
      ? null
      : fitColumns(
          kept.map((c) => ({ natural: natural[c]!, longestWord: longestWord[c]!, least: Math.max(...head[c]!.split(/\s+/).map((w) => stringWidth(w))) + CELL_PADDING, keepWhole: keepWhole.has(c) })),
          width,
        );
  // A column narrower than one of its words (a path) has its cells cut inside words by cli-table3,
  // which counts colour escapes as characters: those cells go plain.
  const cutsWords = kept.map((c, i) => colWidths !== null && colWidths[i]! < longestWord[c]!);
  const table = new Table({
    head: kept.map((c) => style.bold(head[c]!)),
    chars: style.tableChars,
    style: { head: [], border: [], compact: true },
    colAligns: kept.map((c) => colAligns[c]!),
    ...(colWidths ? { colWidths, wordWrap: true, wrapOnWordBoundary: true } : {}),
  });
  for (const r of cells.slice(1)) table.push(kept.map((c, i) => (cutsWords[i] ? { content: stripVTControlCharacters(r[c]!), wrapOnWordBoundary: false } : r[c]!)));
  return table.toString().split('\n');
}

/**
 * Counts by rule, most first, then by name: the order a report's `byRule` has depends on how its
 * worker counted (kept findings in frame order, or counted only in the order decided), and a
 * scan, a sharded scan merged, or another format must print the same table.
 */
function byCount(byRule: Record<string, number>): Array<[string, number]> {
  return Object.entries(byRule).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
}

/** A Findings cell: every finding, or with filters "shown of every one" ("1 of 4"). */
function findingsCell(findings: number, filtered: FilteredCount | undefined): string | number {
  return filtered ? `${filtered.shown} of ${findings}` : findings;
}

/**
 * How many of a capture's warnings the text scan reports. Not finding_cap_reached: it says the
 * report's list of findings was cut, and the text scan prints no such list; its counts (the
 * summary and the tally) leave out no finding for a cap. A text scan keeps no list, so it never has the
 * warning; a merge of shards whose reports kept one would otherwise count it.
 */
export function warningsShown(report: AnalysisReport): number {
  return report.capture.warnings.filter((w) => w.code !== 'finding_cap_reached').length;
}

function fileTable(result: ScanResult, style: TerminalStyle, width: number | undefined): string[] {
  const t = style.text;
  const head = ['File', 'Packets', 'Conversations', 'Findings', 'By rule', 'Errors'];
  const rows: Array<Array<string | number>> = [];
  for (const f of result.files) {
    // Listed after the table: the table and its totals are what was read.
    if (f.notRun) continue;
    const r = f.report;
    let errors = '';
    if (f.error) errors = style.red(t(f.error.message + (f.error.offset !== undefined ? ` (byte ${f.error.offset})` : '')));
    else if (r && warningsShown(r) > 0) errors = style.yellow(plural(warningsShown(r), 'warning'));
    const byRule = r ? byCount(r.summary.byRule).map(([rule, n]) => `${t(rule)} ${style.times}${n}`).join('\n') : '';
    rows.push([
      t(f.file),
      r ? r.capture.packets : '-',
      r ? r.summary.tcpConversations + r.summary.udpExchanges : '-',
      r ? findingsCell(r.summary.findings, r.filtered) : '-',
      byRule,
      errors,
    ]);
  }
  const tot = result.totals;
  const totalByRule = byCount(tot.byRule).map(([rule, n]) => `${t(rule)} ${style.times}${n}`).join('\n');
  const unreadable = tot.unreadable + result.pathErrors.length;
  rows.push([
    style.bold(`Total (${plural(tot.captures, 'capture')})`),
    tot.packets,
    tot.tcpConversations + tot.udpExchanges,
    findingsCell(tot.findings, tot.filtered),
    totalByRule,
    unreadable > 0 ? style.red(`${unreadable} unreadable`) : '',
  ]);
  // Narrow: the file, its findings and errors (the packets and conversations are in --format json).
  return fittedTable(head, rows, style, ['left', 'right', 'right', 'right', 'left', 'left'], width, { wide: [0, 1, 2, 3, 4, 5], narrow: [0, 3, 4, 5] }, new Set([3, 4]));
}

function groupTable(groups: readonly ScanFindingGroup[], style: TerminalStyle, width: number | undefined): string[] {
  const t = style.text;
  const head = ['Rule', 'Server', 'Count', 'Captures', 'Windows', 'Linux', 'Windows / Linux'];
  const rows: Array<Array<string | number>> = [];
  for (const g of groups.slice(0, MAX_SCAN_GROUPS)) {
    const shown = g.firstCaptures.map((n) => t(n));
    if (g.captures > MAX_GROUP_FILES) shown.push(`${style.ellipsis} and ${g.captures - MAX_GROUP_FILES} more`);
    const server = endpointLabel(g.server);
    rows.push([
      style.severity(g.severity, t(g.rule)),
      `${t(server)} ${g.protocol}`,
      g.count,
      `${g.captures}: ${shown.join('\n')}`,
      t(codeLabel(g.codes, 'windows')),
      t(codeLabel(g.codes, 'linux')),
      `${g.codes.find((c) => c.os === 'windows')?.code ?? '-'} / ${g.codes.find((c) => c.os === 'linux')?.code ?? '-'}`,
    ]);
  }
  // Narrow: the codes as numbers in one column (as analyze's summary does).
  const lines = fittedTable(head, rows, style, ['left', 'left', 'right', 'left', 'left', 'left', 'left'], width, { wide: [0, 1, 2, 3, 4, 5], narrow: [0, 1, 2, 3, 6] }, new Set([0, 1, 2]));
  if (groups.length > MAX_SCAN_GROUPS) lines.push(`${style.ellipsis} ${plural(groups.length - MAX_SCAN_GROUPS, 'more group')} (use --format json for every finding)`);
  return lines;
}

/** "Interrupted: analysed 2 of 282 captures" (unreadable ones count as read, not analysed). */
export function interruptedLine(totals: Pick<ScanTotals, 'analysed' | 'captures' | 'notAnalysed'>): string {
  return `Interrupted: analysed ${totals.analysed} of ${plural(totals.captures + totals.notAnalysed, 'capture')}`;
}

/**
 * The scan report for people. `groups`: the findings grouped across captures as the scan went
 * (see {@link ScanFindingGroups}); made here from the results' tallies when not given.
 */
export function formatScanText(result: ScanResult, opts: TerminalOptions, groups?: readonly ScanFindingGroup[], width?: number): string {
  const style = terminalStyle(opts);
  const t = style.text;
  const lines: string[] = [];
  const tot = result.totals;
  const unreadable = tot.unreadable + result.pathErrors.length;
  lines.push(
    style.bold(`Scanned ${plural(tot.captures, 'capture')}`) +
      ` (${tot.analysed} analysed, ${unreadable} unreadable, ${plural(tot.skipped, 'other file')} skipped) in ${result.seconds.toFixed(1)} s`,
  );
  if (result.interrupted) lines.push(style.yellow(`${interruptedLine(tot)}; the totals count only the captures read.`));
  if (result.files.some((f) => !f.notRun)) lines.push(...fileTable(result, style, width));

  if (unreadable > 0) {
    lines.push('');
    lines.push(style.bold(style.red(`Could not read (${unreadable}):`)));
    for (const e of result.pathErrors) lines.push(`  ${t(`wirewhy: ${e.path}: ${e.message}`)}`);
    for (const f of result.files) if (f.error) lines.push(`  ${t(f.error.line)}`);
  }
  const notRun = result.files.filter((f) => f.notRun);
  if (notRun.length > 0) {
    lines.push('');
    lines.push(style.yellow(`Not analysed, interrupted (${notRun.length}):`));
    for (const f of notRun.slice(0, MAX_SKIPPED_LISTED)) lines.push(`  ${t(f.file)}`);
    if (notRun.length > MAX_SKIPPED_LISTED) lines.push(`  ${style.ellipsis} and ${notRun.length - MAX_SKIPPED_LISTED} more`);
  }
  if (result.skipped.length > 0) {
    lines.push('');
    lines.push(`Skipped, not captures (${result.skipped.length}):`);
    for (const s of result.skipped.slice(0, MAX_SKIPPED_LISTED)) lines.push(`  ${t(s.path)} (${t(s.reason)})`);
    if (result.skipped.length > MAX_SKIPPED_LISTED) lines.push(`  ${style.ellipsis} and ${result.skipped.length - MAX_SKIPPED_LISTED} more`);
  }

  lines.push('');
  groups ??= groupAcrossFiles(result.files.filter((f) => f.report).map((f) => ({ file: f.file, tally: f.tally ?? tallyFindings(f.report!.findings) })));
  const filtered = tot.filtered;
  if (filtered) {
    // The per-capture counts by rule are the captures' own (as analyze's summary): say so, so
    // that they are not read as the findings shown.
    lines.push(`${t(filteredSentence(filtered, result.filter))}; the table's By rule counts every finding.`);
  }
  if (groups.length === 0) {
    if (filtered && filtered.of > 0) lines.push('No finding matches the filters.');
    else lines.push(style.green(`No failed connections found in ${plural(tot.tcpConversations, 'TCP conversation')} and ${plural(tot.udpExchanges, 'UDP exchange')}.`));
  } else {
    lines.push(style.bold(`${plural(filtered?.shown ?? tot.findings, 'failed connection')} in ${plural(groups.length, 'group')} across captures`));
    lines.push(...groupTable(groups, style, width));
    lines.push(`For the causes and checks of one capture: wirewhy analyze FILE; of a code: wirewhy explain CODE.`);
  }
  // Prose fits the width too (the tables already do: fitLine leaves a line that fits as it is).
  const fitted = width === undefined ? lines : lines.flatMap((l) => fitLine(l, width, /^ */.exec(l)![0].length + 2));
  return `${fitted.join('\n')}\n`;
}
