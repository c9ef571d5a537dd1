/**
 * Ladder (sequence) diagrams of a finding's evidence packets, the way Wireshark's Flow Graph
 * draws them: the client's line on the left, the server's on the right, one arrow per packet
 * with its time beside it. One model (`buildLadder`), two renderers: text for the terminal
 * (`formatLadderText`) and SVG for the HTML report (`ladderSvg`).
 *
 * The SVG's vertical axis is time, but not linear time: a SYN answered after 40 µs and a SYN
 * retried after 32 s are both common, and no linear scale shows both on one page. Each gap
 * between two packets gets `gapHeight(seconds)`: a minimum row height (so packets microseconds
 * apart stay readable) plus a term that grows linearly below a quarter of a second and
 * logarithmically above it. The height is monotonic in the gap, so retransmission backoff
 * (1, 2, 4, 8 s…) shows as steadily growing steps, and every gap of 50 ms or more is labelled
 * with its real duration beside the diagram. A logarithm of the offset from the first packet
 * would have turned doubling gaps into equal steps and hidden the backoff; a broken linear
 * axis would have drawn 16 s and 32 s gaps the same height.
 */
import { endpointLabel, humanDuration } from '../model/words.js';
import type { EvidencePacket, Finding, FindingProtocol } from '../rules/types.js';
import { escapeHtml, safeText } from './markup.js';
import type { TerminalStyle } from './terminal.js';

/** Packets drawn before the middle of a long sequence is elided (text). */
export const LADDER_TEXT_ROWS = 16;
/** Packets drawn before the middle of a long sequence is elided (SVG). */
export const LADDER_SVG_ROWS = 24;

/** One packet row: the packet and the seconds since the packet drawn above it (null for the first, or after an elision). */
export interface LadderPacketRow {
  kind: 'packet';
  packet: EvidencePacket;
  gap: number | null;
}

/** Packets left out of the middle of a long sequence. */
export interface LadderElisionRow {
  kind: 'elided';
  count: number;
  /** Seconds from the last packet above to the first packet below. */
  seconds: number;
}

export type LadderRow = LadderPacketRow | LadderElisionRow;

/** What a ladder diagram shows for one finding. */
export interface Ladder {
  /** "10.0.0.1:40000" (or the bare address when there is no port). */
  client: string;
  server: string;
  /** Third parties (routers) that sent ICMP errors, in order of appearance. */
  others: string[];
  protocol: FindingProtocol;
  stream: number;
  rows: LadderRow[];
  /** Evidence packets in all (drawn or elided). */
  packets: number;
  /** Evidence frames of the finding with no recorded packet facts. */
  unrecorded: number;
}

/** The ladder of `finding`'s evidence, eliding the middle beyond `maxRows` packets. */
export function buildLadder(finding: Finding, maxRows = LADDER_TEXT_ROWS): Ladder {
  const evidence = finding.evidence ?? [];
  const others: string[] = [];
  for (const e of evidence) {
    if (e.from === 'other' && e.icmp && !others.includes(e.icmp.reporter)) others.push(e.icmp.reporter);
  }
  const rows: LadderRow[] = [];
  const limit = Math.max(3, maxRows);
  const head = evidence.length > limit ? Math.ceil((limit - 1) / 2) : evidence.length;
  const tail = evidence.length > limit ? limit - 1 - head : 0;
  evidence.slice(0, head).forEach((packet, i) => {
    rows.push({ kind: 'packet', packet, gap: i === 0 ? null : packet.offset - evidence[i - 1]!.offset });
  });
  if (tail > 0) {
    const firstTail = evidence.length - tail;
    rows.push({ kind: 'elided', count: firstTail - head, seconds: evidence[firstTail]!.offset - evidence[head - 1]!.offset });
    evidence.slice(firstTail).forEach((packet, i) => {
      rows.push({ kind: 'packet', packet, gap: i === 0 ? null : packet.offset - evidence[firstTail + i - 1]!.offset });
    });
  }
  const recorded = new Set(evidence.map((e) => e.frame));
  return {
    client: endpointLabel(finding.client),
    server: endpointLabel(finding.server),
    others,
    protocol: finding.protocol,
    stream: finding.stream,
    rows,
    packets: evidence.length,
    unrecorded: finding.frames.filter((f) => !recorded.has(f)).length,
  };
}

/** "+0.000 s", "+1.012 s", "+0.000036 s" (sub-millisecond offsets keep their digits). */
export function formatOffset(seconds: number): string {
  const abs = Math.abs(seconds);
  const digits = abs > 0 && abs < 0.001 ? 6 : 3;
  return `${seconds < 0 ? '-' : '+'}${abs.toFixed(digits)} s`;
}

/** A packet's label with its payload length: "PSH-ACK len=35". */
export function packetLabel(p: EvidencePacket): string {
  return p.length > 0 ? `${p.label} len=${p.length}` : p.label;
}

/** Gaps at least this long are labelled with their duration. */
export const LABELLED_GAP = 0.05;

/** What is noted beside a packet: retransmission and its delay, who sent an ICMP error. */
function packetNote(row: LadderPacketRow): string[] {
  const p = row.packet;
  const notes: string[] = [];
  if (p.retransmission) notes.push(row.gap !== null ? `retransmission, ${humanDuration(row.gap)} later` : 'retransmission');
  if (p.icmp && p.from === 'other') notes.push(`from ${p.icmp.reporter}`);
  return notes;
}

function truncate(s: string, width: number, ellipsis: string): string {
  return s.length <= width ? s : s.slice(0, Math.max(0, width - ellipsis.length)) + ellipsis;
}

function center(s: string, width: number, fill: string): string {
  const left = Math.floor((width - s.length) / 2);
  return fill.repeat(Math.max(0, left)) + s + fill.repeat(Math.max(0, width - s.length - left));
}

/**
 * The ladder as text lines (each starting with `indent`), for `--ladder`:
 *
 *       frame       time  client                          server
 *           1   +0.000 s  │──────────── SYN ─────────────▶│
 *           2   +1.006 s  │──────────── SYN ─────────────▶│  retransmission, 1.0 s later
 *           3   +1.006 s  │◀────────── RST-ACK ───────────│
 */
export function formatLadderText(finding: Finding, style: TerminalStyle, indent = ''): string[] {
  const ladder = buildLadder(finding, LADDER_TEXT_ROWS);
  const u = style.options.unicode;
  const t = style.text;
  const bar = u ? '│' : '|';
  const dotted = u ? '┊' : ':';
  const line = u ? '─' : '-';
  const right = u ? '▶' : '>';
  const left = u ? '◀' : '<';
  const lines: string[] = [];
  lines.push(`${indent}Ladder of ${ladder.protocol}.stream ${ladder.stream}: client ${t(ladder.client)}, server ${t(ladder.server)}`);
  if (ladder.packets === 0) {
    lines.push(`${indent}  (no packet facts recorded for frames ${finding.frames.join(', ')})`);
    return lines;
  }
  const packetRows = ladder.rows.filter((r): r is LadderPacketRow => r.kind === 'packet');
  const longest = Math.max(...packetRows.map((r) => packetLabel(r.packet).length));
  const width = Math.min(60, Math.max(30, longest + 8));
  const lead = `${indent}${' '.repeat(6)}  ${' '.repeat(12)}  `;
  lines.push(`${indent}${'frame'.padStart(6)}  ${'time'.padStart(12)}  ${'client'.padEnd(width + 1)}server`);
  for (const row of ladder.rows) {
    if (row.kind === 'elided') {
      const gap = `${style.ellipsis} ${row.count} packet${row.count === 1 ? '' : 's'} over ${humanDuration(row.seconds)} ${style.ellipsis}`;
      lines.push(`${lead}${dotted}${style.dim(center(` ${gap} `, width, ' '))}${dotted}`);
      continue;
    }
    const p = row.packet;
    const label = ` ${truncate(packetLabel(p), width - 6, style.ellipsis)} `;
    const toRight = p.to === 'server';
    const body = toRight ? center(label, width - 1, line) + right : left + center(label, width - 1, line);
    // The sender's end is dotted when a third party (a router) sent the packet.
    const leftEnd = toRight && p.from === 'other' ? dotted : bar;
    const rightEnd = !toRight && p.from === 'other' ? dotted : bar;
    const paint = p.label.startsWith('RST') ? style.red : p.icmp ? style.yellow : p.retransmission ? style.yellow : p.label === 'SYN-ACK' ? style.green : (s: string) => s;
    const notes = packetNote(row);
    const note = notes.length > 0 ? `  ${style.dim(t(notes.join('; ')))}` : '';
    lines.push(`${indent}${String(p.frame).padStart(6)}  ${formatOffset(p.offset).padStart(12)}  ${leftEnd}${paint(body)}${rightEnd}${note}`);
  }
  if (ladder.unrecorded > 0) {
    lines.push(`${indent}  (${ladder.unrecorded} more evidence frame${ladder.unrecorded === 1 ? '' : 's'} from the middle of a long conversation not drawn)`);
  }
  return lines;
}

// SVG geometry, in user units (the SVG scales to the page width).
const SVG_WIDTH = 600;
const FRAME_X = 42;
const TIME_X = 124;
const AXIS_X = 130;
const CLIENT_X = 210;
const SERVER_X = 510;
const OTHER_X = (CLIENT_X + SERVER_X) / 2;
const GAP_X = 530;
const HEADER_HEIGHT = 58;
const MIN_ROW = 26;
const ELISION_HEIGHT = 40;
/** Below this gap (seconds) the extra height is close to linear in time; above it, logarithmic. */
const GAP_KNEE = 0.25;
const GAP_SCALE = 15;

/**
 * Height in SVG units of a gap of `seconds` between two rows: MIN_ROW + GAP_SCALE·log2(1 + s/0.25).
 * About linear (≈ 87 units per second) for short gaps; +15 units per doubling for long ones
 * (1 s → 61, 2 s → 74, 4 s → 87, 8 s → 101, 32 s → 131, 1 h → 233).
 */
export function gapHeight(seconds: number): number {
  return MIN_ROW + GAP_SCALE * Math.log2(1 + Math.max(0, seconds) / GAP_KNEE);
}

function num(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function arrowClass(p: EvidencePacket): string {
  const classes = ['pkt'];
  if (p.icmp) classes.push('pkt-icmp');
  else if (p.label.startsWith('RST')) classes.push('pkt-rst');
  else if (p.label === 'SYN-ACK') classes.push('pkt-synack');
  else if (p.label.startsWith('SYN')) classes.push('pkt-syn');
  else if (p.label.startsWith('FIN')) classes.push('pkt-fin');
  else if (p.length > 0) classes.push('pkt-data');
  if (p.retransmission) classes.push('pkt-retrans');
  return classes.join(' ');
}

/** A short description of a packet for screen readers and tooltips. */
function packetSentence(p: EvidencePacket): string {
  const who = (side: string): string => (side === 'client' ? 'client' : side === 'server' ? 'server' : (p.icmp?.reporter ?? 'a third party'));
  let s = `Frame ${p.frame} at ${formatOffset(p.offset)}: ${packetLabel(p)} from ${who(p.from)} to ${who(p.to)}`;
  if (p.retransmission) s += ' (retransmission)';
  return s;
}

/**
 * The ladder as an inline SVG element (for the HTML report). `id` must be unique in the page;
 * every text from the capture is escaped.
 */
export function ladderSvg(finding: Finding, id: string): string {
  const ladder = buildLadder(finding, LADDER_SVG_ROWS);
  const hasOther = ladder.others.length > 0;
  const xOf = (side: string): number => (side === 'client' ? CLIENT_X : side === 'server' ? SERVER_X : OTHER_X);
  const parts: string[] = [];
  let y = HEADER_HEIGHT + 22;
  const body: string[] = [];
  const axisTicks: string[] = [];
  const gapMarks: string[] = [];
  let previousY: number | null = null;

  for (const row of ladder.rows) {
    if (row.kind === 'elided') {
      const top = y - MIN_ROW / 2 + 6;
      y += ELISION_HEIGHT - MIN_ROW / 2;
      const mid = top + (y - top) / 2;
      body.push(
        `<g class="elision"><rect x="${AXIS_X}" y="${num(top)}" width="${SERVER_X + 20 - AXIS_X}" height="${num(y - top - 6)}" rx="4"/>` +
          `<text x="${(CLIENT_X + SERVER_X) / 2}" y="${num(mid + 4)}" text-anchor="middle">${row.count} packet${row.count === 1 ? '' : 's'} over ${escapeHtml(humanDuration(row.seconds))} not drawn</text></g>`,
      );
      gapMarks.push(`<path class="axis-break" d="M${AXIS_X - 6} ${num(mid - 2)} l12 -5 M${AXIS_X - 6} ${num(mid + 4)} l12 -5"/>`);
      y += MIN_ROW / 2;
      previousY = null;
      continue;
    }
    const p = row.packet;
    if (previousY !== null && row.gap !== null) {
      y = previousY + gapHeight(row.gap);
      if (row.gap >= LABELLED_GAP) {
        gapMarks.push(
          `<g class="gap"><path d="M${GAP_X} ${num(previousY + 3)} h4 V${num(y - 3)} h-4"/>` +
            `<text x="${GAP_X + 9}" y="${num((previousY + y) / 2 + 4)}">${escapeHtml(humanDuration(row.gap))}</text></g>`,
        );
      }
    }
    const x1 = xOf(p.from);
    const x2 = xOf(p.to);
    const dir = x2 >= x1 ? 1 : -1;
    const tip = x2 - dir * 1;
    const labelX = (x1 + x2) / 2;
    const sentence = packetSentence(p);
    body.push(
      `<g class="${arrowClass(p)}"><title>${safeText(sentence)}</title>` +
        `<line x1="${x1}" y1="${num(y)}" x2="${num(tip - dir * 8)}" y2="${num(y)}"/>` +
        `<path class="head" d="M${num(tip)} ${num(y)} l${-dir * 10} -5 v10 z"/>` +
        `<text class="label" x="${num(labelX)}" y="${num(y - 6)}" text-anchor="middle">${safeText(packetLabel(p))}${p.retransmission ? ' ↻' : ''}</text>` +
        `</g>`,
    );
    axisTicks.push(
      `<text class="frame" x="${FRAME_X}" y="${num(y + 4)}" text-anchor="end">${p.frame}</text>` +
        `<text class="time" x="${TIME_X}" y="${num(y + 4)}" text-anchor="end">${escapeHtml(formatOffset(p.offset))}</text>` +
        `<line class="tick" x1="${AXIS_X - 3}" y1="${num(y)}" x2="${AXIS_X + 3}" y2="${num(y)}"/>`,
    );
    previousY = y;
    y += MIN_ROW;
  }
  if (ladder.rows.length === 0) {
    body.push(`<text class="empty" x="${(CLIENT_X + SERVER_X) / 2}" y="${num(y)}" text-anchor="middle">No packet facts were recorded for these frames.</text>`);
    y += MIN_ROW;
  }
  const height = Math.ceil(y + 4);
  const lifeTop = HEADER_HEIGHT - 4;
  const lifeBottom = height - 8;
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const packetCount = `${ladder.packets} packet${ladder.packets === 1 ? '' : 's'}`;
  parts.push(
    `<svg class="ladder-svg" id="${escapeHtml(id)}" viewBox="0 0 ${SVG_WIDTH} ${height}" width="${SVG_WIDTH}" height="${height}" role="img" aria-labelledby="${escapeHtml(titleId)} ${escapeHtml(descId)}">`,
  );
  parts.push(`<title id="${escapeHtml(titleId)}">Ladder diagram of ${ladder.protocol}.stream ${ladder.stream}: ${packetCount}</title>`);
  parts.push(
    `<desc id="${escapeHtml(descId)}">Client ${safeText(ladder.client)} on the left, server ${safeText(ladder.server)} on the right${hasOther ? `, ${safeText(ladder.others.join(', '))} between` : ''}. Time runs down; spacing grows with the gap between packets (linear below 0.25 s, logarithmic above).</desc>`,
  );
  // Lifelines and their heads.
  const heads: Array<[number, string, string]> = [
    [CLIENT_X, 'client', ladder.client],
    [SERVER_X, 'server', ladder.server],
  ];
  if (hasOther) heads.push([OTHER_X, ladder.others.length === 1 ? 'router' : 'routers', ladder.others.join(', ')]);
  for (const [x, role, address] of heads) {
    const addr = address.length > 40 ? `${address.slice(0, 39)}…` : address;
    // Long IPv6 endpoints are squeezed into the box rather than overflowing it.
    const fit = addr.length > 22 ? ` textLength="132" lengthAdjust="spacingAndGlyphs"` : '';
    parts.push(
      `<g class="lifeline${role === 'client' || role === 'server' ? '' : ' lifeline-other'}">` +
        `<rect x="${x - 70}" y="6" width="140" height="${HEADER_HEIGHT - 16}" rx="6"/>` +
        `<text class="role" x="${x}" y="24" text-anchor="middle">${role}</text>` +
        `<text class="addr" x="${x}" y="${HEADER_HEIGHT - 18}" text-anchor="middle"${fit}>${safeText(addr)}</text>` +
        `<line x1="${x}" y1="${lifeTop}" x2="${x}" y2="${lifeBottom}"/></g>`,
    );
  }
  parts.push(`<g class="axis"><line x1="${AXIS_X}" y1="${lifeTop}" x2="${AXIS_X}" y2="${lifeBottom}"/>`);
  parts.push(`<text class="axis-title" x="${TIME_X}" y="${HEADER_HEIGHT - 18}" text-anchor="end">time</text>`);
  parts.push(`<text class="axis-title" x="${FRAME_X}" y="${HEADER_HEIGHT - 18}" text-anchor="end">frame</text>`);
  parts.push(...axisTicks, ...gapMarks, '</g>');
  parts.push(...body);
  parts.push('</svg>');
  return parts.join('');
}
