/**
 * `--format text`: the human-readable report. A header about the capture, one table row per
 * group of identical findings, then one section per group with the codes each OS reports,
 * likely causes, what to check, the evidence frames and a Wireshark filter.
 *
 * Every string that can come from a capture passes through `style.text` (terminal escaping
 * and, in ASCII mode, folding) before colour is added around it.
 */
import Table from 'cli-table3';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import { OS_ORDER } from '../rules/codes.js';
import { hostPort, humanDuration, plural } from '../model/words.js';
import { ruleById } from '../rules/index.js';
import { failureKindOf, serviceFor, serviceMessage, type FailureKind, type ServiceInfo } from '../rules/services.js';
import { codeNumber, SEVERITIES, type ErrorCode, type Finding, type FindingProtocol, type OsName, type Severity } from '../rules/types.js';
import { findingWiresharkWords, shellCommand, shellQuote } from '../model/wireshark.js';
import { formatLadderText } from './ladder.js';
import { terminalStyle, type TerminalOptions, type TerminalStyle } from './terminal.js';
import type { AnalysisReport, CaptureSummary } from './types.js';

/** Options of the text reporter. */
export interface TextOptions extends TerminalOptions {
  /** Add each group's times, details and member conversations. */
  verbose?: boolean;
  /** Draw a ladder of each group's first finding's evidence packets. */
  ladder?: boolean;
  /** Terminal columns to fit (none when not given); below NARROW_WIDTH the table drops columns. */
  width?: number;
  /** One line per finding instead of the table and sections. */
  brief?: boolean;
}

/** Below this many columns the summary table leaves out the clients and the first frame. */
export const NARROW_WIDTH = 100;
/** No layout is made narrower than this. */
const MIN_WIDTH = 40;

/** Summary table rows shown before "… N more rows". */
export const MAX_TABLE_ROWS = 100;
/** Group sections shown before "N more groups". */
export const MAX_GROUP_SECTIONS = 50;
/** Numbers listed in full before a list is elided ("3, 4, 5 … 812 (40 frames)"). */
const MAX_LISTED = 8;
/** Member conversations listed per group in verbose mode. */
const MAX_VERBOSE_MEMBERS = 20;

/** Findings that say the same thing about one server: same rule, protocol, address and codes. */
export interface FindingGroup {
  rule: string;
  protocol: FindingProtocol;
  serverAddress: string;
  /** The highest severity among the members. */
  severity: Severity;
  /** The codes every member reports. */
  codes: ErrorCode[];
  /** Members in report order. */
  findings: Finding[];
  /** Distinct server ports. */
  ports: Set<number>;
  /** Distinct client addresses. */
  clients: Set<string>;
  /** Lowest first evidence frame among the members (Infinity when none has frames). */
  firstFrame: number;
}

function codesKey(codes: readonly ErrorCode[]): string {
  return codes.map((c) => `${c.os}:${c.code}`).join(',');
}

/**
 * Group identical findings, ordered by first frame. The key is rule + protocol + server
 * address, plus the codes: findings of one rule can cite different codes (NXDOMAIN and
 * SERVFAIL from one DNS server, ICMP host vs. admin-prohibited from one router), and a row
 * must not show one finding's codes for another.
 */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = `${f.rule}\u0000${f.protocol}\u0000${f.server.address}\u0000${codesKey(f.codes)}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        rule: f.rule,
        protocol: f.protocol,
        serverAddress: f.server.address,
        severity: f.severity,
        codes: f.codes,
        findings: [],
        ports: new Set(),
        clients: new Set(),
        firstFrame: Infinity,
      };
      groups.set(key, g);
    }
    g.findings.push(f);
    g.ports.add(f.server.port);
    g.clients.add(f.client.address);
    if (SEVERITIES.indexOf(f.severity) > SEVERITIES.indexOf(g.severity)) g.severity = f.severity;
    const first = f.frames[0];
    if (first !== undefined && first < g.firstFrame) g.firstFrame = first;
  }
  // Array.prototype.sort is stable: groups with equal first frames keep report order.
  return [...groups.values()].sort((a, b) => (a.firstFrame === b.firstFrame ? 0 : a.firstFrame < b.firstFrame ? -1 : 1));
}

function sortedUnique(nums: Iterable<number>): number[] {
  return [...new Set(nums)].sort((a, b) => a - b);
}

/** Runs of consecutive integers as "1-100, 200, 300-310"; `null` when there are more than `maxRuns`. */
export function compactRanges(nums: Iterable<number>, maxRuns = Infinity): string | null {
  const sorted = sortedUnique(nums);
  const runs: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    if (runs.length > maxRuns) return null;
    i = j + 1;
  }
  return runs.join(', ');
}

/** "3, 4, 5, 6" or, past MAX_LISTED, "3, 4, 5 … 812 (40 frames)". */
export function elidedList(nums: Iterable<number>, noun: string, ellipsis = '…'): string {
  const sorted = sortedUnique(nums);
  if (sorted.length <= MAX_LISTED) return sorted.join(', ');
  return `${sorted.slice(0, 3).join(', ')} ${ellipsis} ${sorted[sorted.length - 1]} (${sorted.length} ${noun})`;
}

/**
 * Fit one line of prose to `width` columns: words move to the next line, which is indented by
 * `indent` spaces (a hanging indent under the text, not under a bullet); a word longer than a
 * line is cut. Colour escapes do not count.
 */
export function fitLine(line: string, width: number, indent: number): string[] {
  if (stringWidth(line) <= width) return [line];
  const lead = /^ */.exec(line)![0].length;
  const hang = Math.min(indent, width - 20 > 0 ? width - 20 : 0);
  const first = wrapAnsi(line.slice(lead), width - lead, { hard: true, trim: true }).split('\n');
  const out = [' '.repeat(lead) + first[0]!];
  const rest = first.slice(1).join(' ');
  if (rest !== '') for (const l of wrapAnsi(rest, width - hang, { hard: true, trim: true }).split('\n')) out.push(' '.repeat(hang) + l);
  return out;
}

/** Fit every line to `width`, continuation lines indented past each line's own indent by `extra`. */
function fitLines(lines: readonly string[], width: number, extra = 2): string[] {
  return lines.flatMap((l) => (l.includes('\n') ? fitLines(l.split('\n'), width, extra) : fitLine(l, width, /^ */.exec(l)![0].length + extra)));
}

/**
 * A shell command after `label`, on the label's line when it fits, else on lines of its own that
 * break between words with " \\" so that it still pastes into a shell as one command. `words` are
 * already quoted for the shell. A word wider than the terminal (a long path) is never cut: the
 * terminal wraps it on screen, and copying keeps it whole, where a line break inside it would
 * change the file name.
 */
export function commandLines(label: string, words: readonly string[], width: number, indent: string): string[] {
  const command = words.join(' ');
  if (stringWidth(`${label} ${command}`) <= width) return [`${label} ${command}`];
  const out = [label];
  let line = '';
  for (const word of words) {
    if (line !== '' && stringWidth(`${indent}${line} ${word} \\`) > width) {
      out.push(`${indent}${line} \\`);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(`${indent}${line}`);
  return out;
}

/**
 * The shell-quoted words of the finding's `wireshark` command, made from `captureFile` as the
 * engine made them; the whole command as one word where they would not give it back exactly
 * (a report put together elsewhere), so the text never shows another command than the JSON.
 */
function openCommandWords(f: Finding, captureFile: string): string[] {
  const argv = findingWiresharkWords(captureFile, f);
  return argv !== undefined && shellCommand(argv) === f.wireshark ? argv.map(shellQuote) : [f.wireshark!];
}

function endpointLabel(address: string, port: number): string {
  return port < 0 ? address : hostPort({ address, port });
}

/** "10.0.0.2:80", or "10.0.0.2 ports 1-1000 (297)" when the group spans several ports. */
export function serverLabel(group: FindingGroup): string {
  if (group.ports.size === 1) return endpointLabel(group.serverAddress, [...group.ports][0]!);
  const ports = sortedUnique(group.ports);
  const list = compactRanges(ports, 4) ?? `${ports[0]}-${ports[ports.length - 1]}`;
  return `${group.serverAddress} ports ${list} (${ports.length})`;
}

function clientsLabel(group: FindingGroup): string {
  return group.clients.size === 1 ? [...group.clients][0]! : String(group.clients.size);
}

function codeFor(codes: readonly ErrorCode[], os: OsName): ErrorCode | undefined {
  return codes.find((c) => c.os === os);
}

function codeLabel(code: ErrorCode | undefined): string {
  return code ? `${codeNumber(code)} ${code.name}` : '-';
}

/** How each OS is named in reports. */
export const OS_LABELS: Readonly<Record<OsName, string>> = { windows: 'Windows', linux: 'Linux', macos: 'macOS' };

/** Lines "Windows  10061 WSAECONNREFUSED  No connection could be made …", in OS order. */
export function codeLines(codes: readonly ErrorCode[], style: TerminalStyle): string[] {
  const lines: string[] = [];
  for (const os of OS_ORDER) {
    for (const c of codes.filter((x) => x.os === os)) {
      lines.push(`${OS_LABELS[os].padEnd(8)} ${style.bold(style.text(`${codeNumber(c)} ${c.name}`))}  ${style.text(c.message)}`);
    }
  }
  return lines;
}

/** "Seen by the client 10.0.0.5:40001" (or "by the 3 clients"): whose application sees the codes. */
function seenByText(g: FindingGroup): string | null {
  const s = g.findings[0]!.seenBy;
  if (!s) return null;
  const sides = new Set(g.findings.map((f) => (f.seenBy ? `${f.seenBy.address}\u0000${f.seenBy.port}` : '')));
  if (sides.size === 1) return `Seen by the ${s.side} ${endpointLabel(s.address, s.port)}`;
  const addresses = new Set(g.findings.map((f) => f.seenBy?.address ?? ''));
  return addresses.size === 1 ? `Seen by the ${s.side} ${s.address} (${sides.size} sockets)` : `Seen by the ${s.side}s (${addresses.size} hosts)`;
}

/** The failure kind that selects a service's client message for a finding, if any (its rule's meta says). */
function failureKindOfFinding(f: Finding): FailureKind | undefined {
  const kind = ruleById(f.rule)?.meta.failureKind;
  return typeof kind === 'function' ? kind(f) : kind;
}

/** The service entry behind `finding.service`, when it still names the same service. */
function serviceInfoOf(f: Finding): ServiceInfo | undefined {
  if (f.service === undefined || f.server.port < 0 || (f.protocol !== 'tcp' && f.protocol !== 'udp')) return undefined;
  const info = serviceFor(f.protocol, f.server.port);
  return info && info.name === f.service ? info : undefined;
}

function durationBetween(start: string | null, end: string | null): string | null {
  if (start === null || end === null) return null;
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return null;
  return humanDuration((b - a) / 1000);
}

function formatHeader(report: AnalysisReport, style: TerminalStyle): string[] {
  const t = style.text;
  const cap: CaptureSummary = report.capture;
  const label = (s: string): string => style.bold(`${s}:`.padEnd(12));
  const lines: string[] = [];
  lines.push(`${label('File')}${t(cap.file)}`);
  lines.push(`${label('Format')}${t(cap.format)}${cap.compression ? `, ${t(cap.compression)}` : ''}`);
  lines.push(`${label('Link types')}${cap.linkTypes.length > 0 ? t(cap.linkTypes.join(', ')) : 'none'}`);
  lines.push(`${label('Packets')}${cap.packets} (${plural(cap.bytes, 'byte')})`);
  if (cap.start !== null && cap.end !== null) {
    const span = durationBetween(cap.start, cap.end);
    lines.push(`${label('Time span')}${t(cap.start)} ${style.arrow} ${t(cap.end)}${span ? ` (${span})` : ''}`);
  } else {
    lines.push(`${label('Time span')}no packets`);
  }
  const s = report.summary;
  lines.push(`${label('Flows')}${plural(s.tcpConversations, 'TCP conversation')}, ${plural(s.udpExchanges, 'UDP exchange')}`);
  if (cap.warnings.length > 0) {
    lines.push(`${label('Warnings')}${cap.warnings.length}`);
    for (const w of cap.warnings) {
      const where: string[] = [];
      if (w.offset !== undefined) where.push(`offset ${w.offset}`);
      if (w.frame !== undefined) where.push(`frame ${w.frame}`);
      lines.push(`  ${style.yellow(t(w.code))}: ${t(w.message)}${where.length > 0 ? ` (${where.join(', ')})` : ''}`);
    }
  }
  const anomalies = Object.entries(cap.anomalies);
  if (anomalies.length > 0) {
    lines.push(`${label('Anomalies')}${anomalies.map(([name, n]) => `${t(name)} ${style.times}${n}`).join(', ')}`);
  }
  return lines;
}

/** Columns of a table cell cli-table3 adds around its text (one space each side). */
export const CELL_PADDING = 2;
/** The narrowest a column gets (padding included): one character of text and its padding. */
const MIN_COLUMN = 1 + CELL_PADDING;

/** How narrow (padding included) a column gets before the columns kept whole are cut too. */
const CUT_FLOOR = 6 + CELL_PADDING;

/** What fitting a table needs of one column; widths include the cell's padding. */
export interface ColumnFit {
  /** Its widest cell. */
  natural: number;
  /** Its longest word: narrower than this, a cell is cut inside a word. */
  longestWord: number;
  /** Never narrower than this (the head's longest word: a head is never cut). */
  least: number;
  /** Cut inside words only after every other column is at CUT_FLOOR (an address, whose cut misleads). */
  keepWhole?: boolean;
}

/**
 * Column widths that fit `width` columns with the table's borders: the natural widths when they
 * fit; else the widest columns shrink, first no narrower than their longest word (cells then
 * wrap between words); if that is still too wide, the columns not kept whole are cut inside words
 * down to CUT_FLOOR; and last, every column down to its least.
 */
export function fitColumns(columns: readonly ColumnFit[], width: number): number[] | null {
  const borders = columns.length + 1;
  const cols = columns.map((c) => c.natural);
  const total = (): number => cols.reduce((a, b) => a + b, 0) + borders;
  if (total() <= width) return null;
  const least = (i: number): number => Math.max(MIN_COLUMN, columns[i]!.least);
  const whole = (i: number): number => Math.max(least(i), columns[i]!.longestWord);
  const floors = [whole, (i: number) => (columns[i]!.keepWhole ? whole(i) : Math.max(least(i), Math.min(whole(i), CUT_FLOOR))), least];
  for (const floor of floors) {
    while (total() > width) {
      let widest = -1;
      cols.forEach((w, i) => {
        if (w > floor(i) && (widest < 0 || w > cols[widest]!)) widest = i;
      });
      if (widest < 0) break;
      cols[widest]!--;
    }
  }
  return cols;
}

/** The width of the longest whitespace-separated word of `text`. */
function longestWordWidth(text: string): number {
  return Math.max(0, ...text.split(/\s+/).map((w) => stringWidth(w)));
}

function formatTable(groups: readonly FindingGroup[], style: TerminalStyle, width: number, narrow = width < NARROW_WIDTH): string[] {
  const t = style.text;
  // Below NARROW_WIDTH: the codes as numbers in one column, and no clients and first-frame
  // columns (each section gives them all).
  const keep = narrow ? [0, 1, 3, 7] : [0, 1, 2, 3, 4, 5, 6];
  const pick = <T,>(row: T[]): T[] => keep.map((i) => row[i]!);
  const head = pick(['Rule', 'Server', 'Clients', 'Count', 'Windows', 'Linux', 'First frame', 'Windows / Linux']);
  // Text first, colour after: how wide a cell is, and where it may be cut, is the text's.
  const rows = groups.slice(0, MAX_TABLE_ROWS).map((g) => ({
    severity: g.severity,
    cells: pick([
      t(g.rule),
      t(serverLabel(g)),
      t(clientsLabel(g)),
      String(g.findings.length),
      t(codeLabel(codeFor(g.codes, 'windows'))),
      t(codeLabel(codeFor(g.codes, 'linux'))),
      Number.isFinite(g.firstFrame) ? String(g.firstFrame) : '-',
      `${codeFor(g.codes, 'windows')?.code ?? '-'} / ${codeFor(g.codes, 'linux')?.code ?? '-'}`,
    ]),
  }));
  const texts = [head, ...rows.map((r) => r.cells)];
  const natural = head.map((_, c) => Math.max(...texts.map((r) => stringWidth(r[c]!))) + CELL_PADDING);
  // The wide table when it fits whole; else the narrow one, whose cells wrap if they must.
  if (!narrow && natural.reduce((a, b) => a + b, 0) + natural.length + 1 > width) return formatTable(groups, style, width, true);
  const longestWord = head.map((_, c) => Math.max(...texts.map((r) => longestWordWidth(r[c]!))) + CELL_PADDING);
  const colWidths = fitColumns(
    // An address cut inside ("10.0.0.2:808" / "8") misleads where a cut rule id does not: the server is cut last.
    head.map((h, c) => ({ natural: natural[c]!, longestWord: longestWord[c]!, least: longestWordWidth(h) + CELL_PADDING, keepWhole: c === 1 })),
    width,
  );
  // A column narrower than one of its words has its cells cut inside words (cli-table3's textWrap).
  // That wrapping counts colour escapes as characters and may cut one, so those cells stay plain.
  const cutsWords = head.map((_, c) => colWidths !== null && colWidths[c]! < longestWord[c]!);
  const cell = (text: string, c: number, colour: (s: string) => string) => (cutsWords[c] ? { content: text, wrapOnWordBoundary: false } : colour(text));
  const table = new Table({
    // A head is never cut (fitColumns keeps each column as wide as its head's longest word): it stays bold.
    head: head.map((h) => style.bold(h)),
    chars: style.tableChars,
    // cli-table3 colours the head and borders by default; colour is ours to decide.
    style: { head: [], border: [], compact: true },
    colAligns: pick(['left', 'left', 'left', 'right', 'left', 'left', 'right', 'left'] as const),
    // Cells wrap inside their column (cli-table3's own wrapping) when the table must shrink.
    ...(colWidths ? { colWidths, wordWrap: true, wrapOnWordBoundary: true } : {}),
  });
  for (const r of rows) table.push(r.cells.map((text, c) => cell(text, c, c === 0 ? (s) => style.severity(r.severity, s) : (s) => s)));
  const lines = table.toString().split('\n');
  if (groups.length > MAX_TABLE_ROWS) {
    lines.push(...fitLines([`${style.ellipsis} ${plural(groups.length - MAX_TABLE_ROWS, 'more row')} (use --format json for every finding)`], width));
  }
  return lines;
}

function formatDetails(details: Record<string, unknown>, style: TerminalStyle): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    let shown: string;
    try {
      shown = typeof value === 'string' ? value : (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value));
    } catch {
      shown = String(value);
    }
    parts.push(`${key}=${shown}`);
  }
  return style.text(parts.join(', '));
}

/** The one-line application context of a finding (details.application.summary), if any. */
function applicationSummary(f: Finding): string | null {
  const app = f.details.application;
  if (typeof app !== 'object' || app === null) return null;
  const summary = (app as { summary?: unknown }).summary;
  return typeof summary === 'string' && summary !== '' ? summary : null;
}

/** Where a rule's causes and checks were first printed (section number), so later sections refer to it. */
type Explained = Map<string, number>;

function formatSection(index: number, g: FindingGroup, style: TerminalStyle, verbose: boolean, ladder: boolean, explained: Explained, width: number, captureFile: string): string[] {
  const t = style.text;
  const first = g.findings[0]!;
  const more = g.findings.length - 1;
  const meta = ruleById(g.rule)?.meta;
  const pad = '    ';
  const lines: string[] = [];

  lines.push(`[${index}] ${style.cyan(style.bold(t(g.rule)))}  ${style.severity(g.severity)}  ${t(serverLabel(g))}`);
  lines.push(`${pad}${t(first.summary)}${more > 0 ? ` (and ${more} more like it)` : ''}`);
  const application = applicationSummary(first);
  if (application !== null) lines.push(`${pad}Application: ${t(application)}`);
  const seen = seenByText(g);
  if (seen !== null && g.codes.length > 0) lines.push(`${pad}${t(seen)}:`);
  for (const line of codeLines(g.codes, style)) lines.push(`${pad}${seen !== null ? '  ' : ''}${line}`);

  // Service: one port means one service; several ports (a scan) get a list of names.
  let serviceChecks: string[] = [];
  if (g.ports.size === 1) {
    const info = serviceInfoOf(first);
    if (first.service !== undefined) {
      lines.push(`${pad}Service: ${t(first.service)} (${first.protocol}/${first.server.port})`);
    }
    if (info) {
      const kind = failureKindOfFinding(first);
      const message = kind ? serviceMessage(info, kind) : undefined;
      if (message) lines.push(`${pad}  ${t(info.name)} clients show: ${t(message)}`);
      serviceChecks = info.checks.map((c) => `(${info.name}) ${c}`);
    }
  } else {
    const named = new Map<string, number[]>();
    for (const f of g.findings) {
      if (f.service === undefined) continue;
      const ports = named.get(f.service) ?? [];
      if (!ports.includes(f.server.port)) ports.push(f.server.port);
      named.set(f.service, ports);
    }
    if (named.size > 0) {
      const shown = [...named].slice(0, 8).map(([name, ports]) => `${name} (${sortedUnique(ports).join(', ')})`);
      const rest = named.size > 8 ? `, ${style.ellipsis} ${named.size - 8} more` : '';
      lines.push(`${pad}Services: ${t(shown.join(', '))}${rest}`);
    }
  }

  // A rule's causes and checks are printed once, in its first section; later ones point there
  // (a capture with 80 groups of one rule would repeat them 80 times).
  const explainedIn = explained.get(g.rule);
  if (meta && explainedIn !== undefined) {
    lines.push(`${pad}Likely causes and checks: as in [${explainedIn}].`);
    if (serviceChecks.length > 0) {
      lines.push(`${pad}Checks:`);
      for (const c of serviceChecks) lines.push(`${pad}  - ${t(c)}`);
    }
  } else if (meta) {
    explained.set(g.rule, index);
    if (meta.causes.length > 0) {
      lines.push(`${pad}Likely causes:`);
      for (const c of meta.causes) lines.push(`${pad}  - ${t(c)}`);
    }
    const checks = [...meta.checks, ...serviceChecks];
    if (checks.length > 0) {
      lines.push(`${pad}Checks:`);
      for (const c of checks) lines.push(`${pad}  - ${t(c)}`);
    }
  } else if (serviceChecks.length > 0) {
    lines.push(`${pad}Checks:`);
    for (const c of serviceChecks) lines.push(`${pad}  - ${t(c)}`);
  }

  const frames = g.findings.flatMap((f) => f.frames);
  if (frames.length > 0) lines.push(`${pad}Evidence: frames ${elidedList(frames, 'frames', style.ellipsis)}`);
  // A capture read from several files: the same frames as each file numbers them.
  const inFiles = new Map<string, number[]>();
  for (const f of g.findings) for (const s of f.sourceFrames ?? []) inFiles.set(s.file, [...(inFiles.get(s.file) ?? []), ...s.frames]);
  if (inFiles.size > 0) lines.push(`${pad}In files: ${[...inFiles].map(([file, n]) => `${t(file)} frames ${elidedList(n, 'frames', style.ellipsis)}`).join('; ')}`);
  // ICMP and ARP findings belong to no stream (-1).
  const streams = g.findings.map((f) => f.stream).filter((s) => s >= 0);
  const streamCount = new Set(streams).size;
  // One stream is named by its filter below; a group lists its streams.
  if (streamCount > 1) lines.push(`${pad}Streams: ${g.protocol}.stream ${elidedList(streams, 'streams', style.ellipsis)}`);
  const firstOf = more > 0 ? `  (first of ${plural(streamCount, 'stream')})` : '';
  if (first.streamFilter !== undefined) {
    lines.push(`${pad}Wireshark filter: ${t(first.streamFilter)}${firstOf}`);
    lines.push(`${pad}Address filter: ${t(first.filter)}  (also on a cut of the capture)`);
  } else lines.push(`${pad}Wireshark filter: ${t(first.filter)}`);
  // The ladder is a drawing: it keeps its own layout (the prose around it is fitted).
  const ladderLines = ladder ? formatLadderText(first, style, pad) : [];
  const fitted = [...fitLines(lines, width, 2), ...(first.wireshark ? commandLines(`${pad}Open in Wireshark:`, openCommandWords(first, captureFile).map(t), width, `${pad}  `) : [])];
  lines.length = 0;
  lines.push(...fitted, ...ladderLines);

  if (verbose) {
    lines.push(`${pad}Time: ${t(first.start)} ${style.arrow} ${t(first.end)}`);
    if (first.communityId !== undefined) lines.push(`${pad}Community ID: ${t(first.communityId)}`);
    if (Object.keys(first.details).length > 0) lines.push(`${pad}Details: ${formatDetails(first.details, style)}`);
    if (more > 0) {
      lines.push(`${pad}Members:`);
      for (const f of g.findings.slice(0, MAX_VERBOSE_MEMBERS)) {
        const who = `${endpointLabel(f.client.address, f.client.port)} ${style.arrow} ${endpointLabel(f.server.address, f.server.port)}`;
        lines.push(`${pad}  ${t(who)}  ${f.protocol}.stream ${f.stream}  frames ${elidedList(f.frames, 'frames', style.ellipsis)}`);
      }
      if (g.findings.length > MAX_VERBOSE_MEMBERS) {
        lines.push(`${pad}  ${style.ellipsis} ${g.findings.length - MAX_VERBOSE_MEMBERS} more`);
      }
    }
  }
  const drawn = fitted.length + ladderLines.length;
  return [...lines.slice(0, drawn), ...fitLines(lines.slice(drawn), width, 2)];
}

/** One line per finding: severity, rule, stream, frames and the summary. */
function formatBrief(report: AnalysisReport, style: TerminalStyle): string[] {
  const t = style.text;
  // The summary names the endpoints already.
  return report.findings.map((f) => {
    const frames = compactRanges(f.frames, 3) ?? `${f.frames[0]}-${f.frames[f.frames.length - 1]}`;
    const stream = f.stream >= 0 ? `${f.protocol}.stream ${f.stream}` : f.protocol;
    return `${style.severity(f.severity)} ${style.bold(t(f.rule))} ${stream} frames ${frames}: ${t(f.summary)}`;
  });
}

/** The one-line count of findings by rule. */
function countLine(report: AnalysisReport, groups: number, style: TerminalStyle): string {
  const byRule = new Map<string, number>();
  for (const f of report.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const perRule = [...byRule].map(([rule, n]) => `${style.text(rule)} ${n}`).join(', ');
  return style.bold(`${plural(report.findings.length, 'failed connection')} in ${plural(groups, 'group')}`) + ` (${perRule})`;
}

/** The report for people. No ANSI escapes unless `color`; only ASCII unless `unicode`. */
export function formatText(report: AnalysisReport, opts: TextOptions): string {
  const style = terminalStyle(opts);
  // Without a width (a library caller) nothing is fitted; the command passes the terminal's.
  const width = opts.width === undefined ? Infinity : Math.max(MIN_WIDTH, Math.floor(opts.width));
  const lines = formatHeader(report, style);
  lines.push('');
  const s = report.summary;
  if (report.filtered) lines.push(`Showing ${report.filtered.shown} of ${plural(report.filtered.of, 'finding')} (filtered by --code, --rule or --severity).`);
  if (report.findings.length === 0) {
    lines.push(
      report.filtered && report.filtered.of > 0
        ? 'No finding matches the filters.'
        : style.green(`No failed connections found in ${plural(s.tcpConversations, 'TCP conversation')} and ${plural(s.udpExchanges, 'UDP exchange')}.`),
    );
    const skipped = report.capture.notAnalysed;
    if (skipped && !report.filtered) lines.push(`Not analysed: ${Object.entries(skipped).map(([kind, n]) => `${n} ${kind}`).join(', ')}.`);
    return `${fitLines(lines, width).join('\n')}\n`;
  }
  if (opts.brief) {
    // One entry per finding: its first line starts with the severity, rule, stream and frames (what
    // grep looks for); a summary wider than the terminal continues on indented lines.
    return `${[...fitLines(lines, width), ...fitLines(formatBrief(report, style), width)].join('\n')}\n`;
  }

  const groups = groupFindings(report.findings);
  const summary = countLine(report, groups.length, style);
  const body: string[] = [summary];
  const table = formatTable(groups, style, width);

  const explained: Explained = new Map();
  groups.slice(0, MAX_GROUP_SECTIONS).forEach((g, i) => {
    body.push('');
    body.push(...formatSection(i + 1, g, style, opts.verbose ?? false, opts.ladder ?? false, explained, width, report.capture.file));
  });
  if (groups.length > MAX_GROUP_SECTIONS) {
    body.push('');
    body.push(...fitLines([`${style.ellipsis} ${plural(groups.length - MAX_GROUP_SECTIONS, 'more group')} not shown; use --format json (or jsonl) to see every finding.`], width));
  }
  const out = [...fitLines(lines, width), ...fitLines([summary], width), ...table, ...body.slice(1)];
  // Past a screenful, the count again at the end, where the reader is (as ESLint ends with its totals).
  if (groups.length > 3) out.push('', ...fitLines([summary], width));
  return `${out.join('\n')}\n`;
}
