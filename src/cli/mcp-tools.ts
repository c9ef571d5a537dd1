/**
 * What `wirewhy mcp` answers, without the protocol: each tool takes its validated arguments and
 * returns a plain object (sent as JSON) or throws ToolInputError for input it cannot use. Every
 * answer is bounded, whatever the capture holds: the caps below say how.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeCapture } from '../analyze.js';
import { readCapture } from '../capture/reader.js';
import { decodeFrame, isSupportedLinkType, linkTypeName } from '../decode/index.js';
import { AnomalyCounter, createPacket, formatAddress, type Packet } from '../decode/packet.js';
import { explain } from '../report/explain.js';
import type { AnalysisReport, ConversationSpan } from '../report/types.js';
import { filterOfOptions, filterProblem, findingFilter, type FilteredFinding } from '../rules/filter.js';
import { hostPort, isoTime } from '../model/words.js';
import { icmpName, tcpFlagsLabel } from '../rules/evidence.js';
import type { Finding, Severity } from '../rules/types.js';
import { captureErrorLine, describeSystemError } from '../report/errors.js';
import { BOUNDED_HEAP } from './heap.js';

/** Findings one analyze_capture answer lists at most (the rest are counted). */
export const MAX_FINDINGS_SHOWN = 100;
/** Evidence frames listed per finding at most. */
export const MAX_FRAMES_PER_FINDING = 20;
/** Frames one show_frames call may ask for. */
export const MAX_FRAMES_REQUESTED = 100;
/** Conversations one list_conversations answer lists at most. */
export const MAX_CONVERSATIONS_SHOWN = 500;
/** Capture warnings quoted in an answer at most. */
const MAX_WARNINGS_SHOWN = 10;
/** A finding's details are left out past this size (JSON characters); the rest of it stays. */
const MAX_DETAILS_CHARS = 2_000;
/** Longest path or query accepted. */
export const MAX_ARGUMENT_CHARS = 4_096;

/** Input a tool cannot use: said to the client as a tool error, not a protocol error. */
export class ToolInputError extends Error {}

/**
 * The capture at `path` (relative to the server's working directory): a regular file, or an
 * error saying why not. A FIFO or device is refused: reading it could wait for ever.
 */
export function capturePath(path: string): string {
  if (path.trim() === '' || path.includes('\0')) throw new ToolInputError('path must name a capture file');
  const absolute = resolve(path);
  let st;
  try {
    st = statSync(absolute);
  } catch (e) {
    throw new ToolInputError(`${absolute}: ${describeSystemError(e)}`);
  }
  if (st.isDirectory()) throw new ToolInputError(`${absolute}: is a directory; give one capture file`);
  if (!st.isFile()) throw new ToolInputError(`${absolute}: not a regular file (a pipe or device is not read)`);
  return absolute;
}

/**
 * Analyse `path`, with an unreadable capture said as a tool error; `onDroppedFinding` hears of
 * each finding decided past the report's cap.
 */
async function analyse(path: string, conversations: boolean, onDroppedFinding?: (f: FilteredFinding) => void): Promise<AnalysisReport> {
  let report: AnalysisReport;
  try {
    report = await analyzeCapture(path, { heapPolicy: BOUNDED_HEAP, conversations, onDroppedFinding });
  } catch (e) {
    throw new ToolInputError(captureErrorLine(path, e).replace(/^wirewhy: /, ''));
  }
  return report;
}

function captureFacts(report: AnalysisReport): Record<string, unknown> {
  const c = report.capture;
  const warnings = c.warnings.slice(0, MAX_WARNINGS_SHOWN).map((w) => w.message);
  if (c.warnings.length > MAX_WARNINGS_SHOWN) warnings.push(`${c.warnings.length - MAX_WARNINGS_SHOWN} more warnings`);
  return { file: c.file, format: c.format, compression: c.compression, linkTypes: c.linkTypes, packets: c.packets, start: c.start, end: c.end, warnings };
}

/** One finding as the assistant gets it: the facts to cite, with frame numbers. */
function findingAnswer(f: Finding, number: number): Record<string, unknown> {
  const details = JSON.stringify(f.details);
  return {
    number,
    rule: f.rule,
    severity: f.severity,
    protocol: f.protocol,
    client: hostPort(f.client),
    server: hostPort(f.server),
    ...(f.vlan ? { vlan: f.vlan } : {}),
    stream: f.stream,
    streamFilter: f.streamFilter,
    communityId: f.communityId,
    frames: f.frames.slice(0, MAX_FRAMES_PER_FINDING),
    ...(f.frames.length > MAX_FRAMES_PER_FINDING ? { framesOmitted: f.frames.length - MAX_FRAMES_PER_FINDING } : {}),
    start: f.start,
    end: f.end,
    codes: f.codes.map((c) => ({ os: c.os, code: c.code, name: c.name, message: c.message })),
    summary: f.summary,
    ...(f.service ? { service: f.service } : {}),
    filter: f.filter,
    ...(details.length <= MAX_DETAILS_CHARS ? { details: f.details } : { detailsOmitted: `${details.length} characters` }),
  };
}

/** Arguments of analyze_capture. */
export interface AnalyzeCaptureArgs {
  path: string;
  rule?: string;
  code?: string;
  severity?: Severity;
}

/** How a refused filter names the tool's arguments. */
const ARGUMENT_NAMES = { rule: 'rule', code: 'code' };

/**
 * analyze_capture: the findings of a capture, each with its number in the report, evidence frames,
 * codes per OS and Wireshark filters; `rule`, `code` and `severity` keep only the findings that
 * match, exactly as the command's `--rule`, `--code` and `--severity` do (rules/filter.ts): the
 * same values are taken (several with commas) and the same refused.
 */
export async function analyzeCaptureTool(args: AnalyzeCaptureArgs): Promise<Record<string, unknown>> {
  const path = capturePath(args.path);
  const spec = filterOfOptions({ code: args.code === undefined ? [] : [args.code], rule: args.rule === undefined ? [] : [args.rule], severity: args.severity });
  const problem = await filterProblem(spec, ARGUMENT_NAMES);
  if (problem) throw new ToolInputError(problem);
  const wanted = spec ? findingFilter(spec) : null;
  // Findings past the report's cap are counted too, so `matching` counts what the summary does.
  let matchingNotKept = 0;
  const report = await analyse(path, false, wanted ? (f) => void (wanted(f) && matchingNotKept++) : undefined);
  const matching: Array<{ f: Finding; number: number }> = [];
  report.findings.forEach((f, i) => {
    if (!wanted || wanted(f)) matching.push({ f, number: i + 1 });
  });
  const matchingCount = matching.length + matchingNotKept;
  const shown = matching.slice(0, MAX_FINDINGS_SHOWN);
  return {
    capture: captureFacts(report),
    summary: report.summary,
    ...(spec ? { filter: spec, matching: matchingCount } : {}),
    findings: shown.map(({ f, number }) => findingAnswer(f, number)),
    ...(matchingCount > shown.length ? { findingsOmitted: matchingCount - shown.length, note: 'narrow the question with rule, code or severity to see the others' } : {}),
  };
}

/** explain: a code, a rule or a failure's name, in words, as `wirewhy explain` prints it. */
export function explainTool(query: string): { text: string; found: boolean } {
  if (query.trim() === '') throw new ToolInputError('query must name an error code, a rule or an error message');
  return explain(query, { color: false, unicode: true });
}

/** One decoded packet: where it went and what its headers say. */
function packetAnswer(pkt: Packet, precision: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    frame: pkt.frame,
    time: isoTime(pkt.tsSec, pkt.tsNsec, precision),
    length: pkt.originalLength,
    linkType: linkTypeName(pkt.linkType),
  };
  const vlan = [pkt.vlanOuter, pkt.vlanInner].filter((v) => v >= 0);
  if (vlan.length > 0) out.vlan = vlan;
  if (pkt.ipVersion === 0) {
    out.protocol = isSupportedLinkType(pkt.linkType) ? 'not IP' : `link type ${linkTypeName(pkt.linkType)} (not decoded)`;
    return out;
  }
  out.ipVersion = pkt.ipVersion;
  out.source = formatAddress(pkt.ipVersion, pkt.addr, 0);
  out.destination = formatAddress(pkt.ipVersion, pkt.addr, 4);
  out.ttl = pkt.ttl;
  if (pkt.isFragment) out.fragment = pkt.isNonFirstFragment ? 'non-first fragment' : 'first fragment';
  if (pkt.l4 === 6 || pkt.l4 === 17) {
    out.protocol = pkt.l4 === 6 ? 'TCP' : 'UDP';
    out.sourcePort = pkt.srcPort;
    out.destinationPort = pkt.dstPort;
  }
  if (pkt.l4 === 6) {
    // Raw sequence numbers (Wireshark's tcp.seq_raw): relative ones depend on what the capture saw first.
    out.tcp = { flags: tcpFlagsLabel(pkt.tcpFlags), seq: pkt.tcpSeq, ack: pkt.tcpAck, len: pkt.wirePayloadLength, window: pkt.tcpWindow };
  } else if (pkt.l4 === 17) {
    out.udp = { len: pkt.wirePayloadLength };
    if (pkt.dns) {
      const d = pkt.dns;
      out.dns = { id: d.id, response: d.response, rcode: d.rcode, name: d.qname, type: d.qtype };
    }
  } else if (pkt.l4 === 1 || pkt.l4 === 58) {
    out.protocol = pkt.l4 === 1 ? 'ICMP' : 'ICMPv6';
    const icmp: Record<string, unknown> = { type: pkt.icmpType, code: pkt.icmpCode, name: icmpName(pkt.ipVersion, pkt.icmpType, pkt.icmpCode) };
    const q = pkt.quoted;
    if (q && q.ipVersion) {
      icmp.quoted = {
        source: formatAddress(q.ipVersion, q.addr, 0),
        destination: formatAddress(q.ipVersion, q.addr, 4),
        protocol: q.protocol === 6 ? 'TCP' : q.protocol === 17 ? 'UDP' : q.protocol,
        ...(q.srcPort >= 0 ? { sourcePort: q.srcPort, destinationPort: q.dstPort } : {}),
      };
    }
    out.icmp = icmp;
  } else {
    out.protocol = `IP protocol ${pkt.protocol}`;
  }
  return out;
}

/** show_frames: the frames asked for, decoded; the file is read only as far as the last of them. */
export async function showFramesTool(args: { path: string; frames: number[] }): Promise<Record<string, unknown>> {
  const path = capturePath(args.path);
  const wanted = new Set(args.frames);
  if (wanted.size === 0) throw new ToolInputError('frames must list at least one frame number');
  if (wanted.size > MAX_FRAMES_REQUESTED) throw new ToolInputError(`at most ${MAX_FRAMES_REQUESTED} frames at a time`);
  const last = Math.max(...wanted);
  const found = new Map<number, Record<string, unknown>>();
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  let precision = 6;
  let passed = false;
  try {
    await readCapture(
      path,
      (frame) => {
        if (frame.number > last) passed = true;
        if (!wanted.has(frame.number)) return;
        decodeFrame(frame, pkt, anomalies);
        found.set(frame.number, { ...packetAnswer(pkt, precision), captured: frame.dataEnd! - frame.dataStart! });
      },
      { shouldStop: () => passed || found.size === wanted.size, onInfo: (info) => (precision = info.precision) },
    );
  } catch (e) {
    throw new ToolInputError(captureErrorLine(path, e).replace(/^wirewhy: /, ''));
  }
  const frames = [...wanted].sort((a, b) => a - b);
  const missing = frames.filter((n) => !found.has(n));
  return {
    file: path,
    frames: frames.filter((n) => found.has(n)).map((n) => found.get(n)),
    ...(missing.length > 0 ? { notInCapture: missing } : {}),
  };
}

/** Arguments of list_conversations. */
export interface ListConversationsArgs {
  path: string;
  failedOnly?: boolean;
  limit?: number;
}

/** list_conversations: every conversation with its stream, endpoints, packets, times and rule if it failed. */
export async function listConversationsTool(args: ListConversationsArgs): Promise<Record<string, unknown>> {
  const path = capturePath(args.path);
  const limit = Math.min(args.limit ?? MAX_CONVERSATIONS_SHOWN, MAX_CONVERSATIONS_SHOWN);
  const report = await analyse(path, true);
  const spans = report.conversations?.spans ?? [];
  const chosen = args.failedOnly ? spans.filter((s) => s.rule !== undefined) : spans;
  const shown = chosen.slice(0, limit);
  const row = (s: ConversationSpan): Record<string, unknown> => ({
    protocol: s.protocol,
    stream: s.stream,
    streamFilter: `${s.protocol}.stream eq ${s.stream}`,
    communityId: s.communityId,
    client: hostPort(s.client),
    server: hostPort(s.server),
    packets: s.packets,
    start: s.start,
    end: s.end,
    ...(s.rule ? { rule: s.rule } : {}),
  });
  return {
    capture: captureFacts(report),
    times: 'start and end are seconds after the capture start',
    conversations: shown.map(row),
    listed: chosen.length,
    ...(chosen.length > shown.length ? { conversationsOmitted: chosen.length - shown.length } : {}),
    ...((report.conversations?.omitted ?? 0) > 0 ? { notListed: `${report.conversations!.omitted} conversations past the analysis's list cap` } : {}),
  };
}
