/** The report of one analysis: plain data, what `--format json` prints. */
import type { CaptureWarning } from './capture.js';
import type { InternalFault } from './faults.js';
import type { Endpoint, Finding, FindingProtocol, Severity } from './finding.js';

/** Facts about the capture, as reported (`capture` in the JSON report). */
export interface CaptureSummary {
  /** The file as given on the command line ("-" for standard input). */
  file: string;
  format: 'pcap' | 'pcapng';
  compression: 'gzip' | null;
  /** Link type names as libpcap spells them (e.g. "EN10MB"), in order of first appearance. */
  linkTypes: string[];
  packets: number;
  /** Bytes of the (decompressed) capture stream read. */
  bytes: number;
  /** First and last packet time, ISO 8601 UTC with the capture's precision; null when no packets. */
  start: string | null;
  end: string | null;
  warnings: CaptureWarning[];
  /** Anomaly name → count. */
  anomalies: Record<string, number>;
  /**
   * Frames the analysis did not look at, kind → count: non-IP frames by kind, IP protocols other
   * than TCP, UDP and ICMP, ICMP outside any conversation that no rule reads, unsupported link
   * types. Absent when every frame was analysed.
   */
  notAnalysed?: Record<string, number>;
  /** Internal faults met and contained (the first MAX_LISTED_FAULTS; `anomalies.internal_error` counts all); absent when none. */
  internalErrors?: InternalFault[];
  /**
   * For several files read as one timeline (a rotated set): each file, in the order given. Frame
   * numbers elsewhere in the report are then those of the merged order (`mergecap -w`).
   */
  files?: Array<{ file: string; format: 'pcap' | 'pcapng'; compression: 'gzip' | null; packets: number; bytes: number }>;
}

/** Counts for the `summary` object. */
export interface ReportSummary {
  tcpConversations: number;
  udpExchanges: number;
  findings: number;
  byRule: Record<string, number>;
}

/**
 * A bar on the capture's timeline: a listed conversation, or a finding where the report lists
 * none (then it may be about ICMP or ARP, outside any conversation).
 */
export interface TimelineSpan {
  protocol: FindingProtocol;
  /** Wireshark's tcp.stream or udp.stream index; -1 for a finding outside any stream. */
  stream: number;
  client: Endpoint;
  server: Endpoint;
  /** First and last packet, in seconds after the capture's first packet. */
  start: number;
  end: number;
  packets: number;
  /** The rule of the conversation's finding, when it failed. */
  rule?: string;
}

/** One TCP conversation or UDP exchange the analysis tracked, as `conversations` lists it. */
export interface ConversationSpan extends TimelineSpan {
  protocol: 'tcp' | 'udp';
  /** Wireshark's tcp.stream or udp.stream index. */
  stream: number;
  /** Community ID v1 of the conversation: every TCP conversation and UDP exchange has one. */
  communityId: string;
  /** TCP only: Zeek's conn.log `history` letters and `conn_state` (docs/zeek-compat.md). */
  history?: string;
  connState?: string;
}

/** The conversations of a capture, compactly, for timelines (bounded: see MAX_CONVERSATION_SPANS). */
export interface ConversationList {
  spans: ConversationSpan[];
  /** Conversations left out because the list was full. */
  omitted: number;
}

/** The whole analysis of one capture: what `--format json` prints (schema version 1). */
export interface AnalysisReport {
  schemaVersion: 1;
  tool: { name: 'wirewhy'; version: string };
  capture: CaptureSummary;
  summary: ReportSummary;
  findings: Finding[];
  /**
   * Every conversation, only when the analysis was asked for it (`conversations: true`, as the
   * HTML report does); absent from the JSON output otherwise.
   */
  conversations?: ConversationList;
  /**
   * Present when the command was asked for some findings only (--code, --rule, --severity):
   * `shown` of the `of` findings decided match (both count past the report's cap, as
   * `summary.findings` does); `findings` holds the matching ones kept; `summary` still counts all.
   */
  filtered?: FilteredCount;
}

/** How many findings a filter let through, of how many. */
export interface FilteredCount {
  shown: number;
  of: number;
}

/**
 * Which findings a command was asked for (`--code`, `--rule`, `--severity`): a finding is shown
 * when it passes every filter given; the values of one filter are alternatives.
 */
export interface FindingFilterSpec {
  /** Error codes by number or name, any OS ("10061", "ECONNREFUSED", "WSAECONNREFUSED", "111", "0x80090326"). */
  codes?: readonly string[];
  /** Rule ids. */
  rules?: readonly string[];
  /** Lowest severity shown. */
  severity?: Severity;
}

/**
 * Whether a report had nothing useful: no packets and a structural problem (a capture cut
 * before its first complete frame, say). Such a capture counts as unreadable: `analyze` exits 2,
 * `scan` lists it with the captures that could not be read. A capture whose only problem is a
 * link type we do not decode was read; it just held nothing we analyse.
 */
export function nothingUseful(report: AnalysisReport): boolean {
  return report.capture.packets === 0 && report.capture.warnings.some((w) => w.code !== 'unsupported_link_type' && w.code !== 'no_packets');
}
