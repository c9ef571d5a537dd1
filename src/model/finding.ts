/** A finding and its parts: plain data that every stage from the rules on reads or writes. */

/** Severity of a finding, lowest first. */
export type Severity = 'info' | 'warning' | 'error';

/** Ordered severities, for thresholds (`--fail-on`). */
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

/** True when `severity` is at least `threshold` (`--fail-on`, `--severity`). */
export function severityReaches(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}

/** Operating systems whose socket errors we cite. */
export type OsName = 'windows' | 'linux' | 'macos';

/** One OS's error for a failure: `{os: 'windows', code: 10061, name: 'WSAECONNREFUSED', message: '…'}`. */
export interface ErrorCode {
  os: OsName;
  code: number;
  name: string;
  message: string;
}

/** What a finding is about: a TCP conversation, a UDP exchange, ICMP outside them, or ARP. */
export type FindingProtocol = 'tcp' | 'udp' | 'icmp' | 'arp';

/** Every FindingProtocol, for validating what was read from a file. */
export const FINDING_PROTOCOLS: readonly FindingProtocol[] = ['tcp', 'udp', 'icmp', 'arp'];

/**
 * A code as people read it: Windows HRESULT and SECURITY_STATUS values (beyond 16 bits) in hex as
 * Windows prints them ("0x80090326"), every other code in decimal.
 */
export function codeNumber(c: Pick<ErrorCode, 'os' | 'code'>): string {
  return c.os === 'windows' && c.code > 0xffff ? `0x${(c.code >>> 0).toString(16).toUpperCase().padStart(8, '0')}` : String(c.code);
}

/** An endpoint as reported: textual address and port (-1 for none). */
export interface Endpoint {
  address: string;
  port: number;
}

/** A connection attempt still retrying, as announced once on live input. */
export interface PendingConversation {
  protocol: 'tcp';
  /** tcp.stream */
  stream: number;
  client: Endpoint;
  server: Endpoint;
  /** What is happening, in a sentence without the endpoints ("2 SYNs over 1 s unanswered; …"). */
  summary: string;
}

/** Who sent or received an evidence packet: the finding's client or server, or a third party (a router's ICMP error). */
export type EvidenceSide = 'client' | 'server' | 'other';

/** One packet behind a finding, with what a ladder (sequence) diagram needs to draw it. */
export interface EvidencePacket {
  frame: number;
  /** Seconds after the first evidence packet, to the microsecond. */
  offset: number;
  from: EvidenceSide;
  to: 'client' | 'server';
  /** TCP flags as "SYN", "SYN-ACK", "RST-ACK", "PSH-ACK"; "UDP"; "DNS query"; "DNS NXDOMAIN"; "ICMP port unreachable". */
  label: string;
  /** Payload bytes (0 for ICMP errors). */
  length: number;
  /** The segment had been sent before: a SYN or SYN-ACK retry or a data retransmission. */
  retransmission?: true;
  /** For ICMP errors: type, code, the code's name ("port unreachable") and the address that sent the error. */
  icmp?: { type: number; code: number; name: string; reporter: string };
}

/** The side whose application sees a finding's codes. */
export interface SeenBy {
  side: 'client' | 'server';
  address: string;
  port: number;
}

/** A finding: the root cause of one failed conversation. Data only; reporters format it. */
export interface Finding {
  rule: string;
  severity: Severity;
  /**
   * The conversation's transport; 'icmp' or 'arp' for a finding about packets that belong to no
   * TCP conversation or UDP exchange (a ping answered by an ICMP error, ARP with no reply).
   */
  protocol: FindingProtocol;
  client: Endpoint;
  server: Endpoint;
  /** Outer/inner VLAN ids when the conversation was tagged. */
  vlan?: number[];
  /** Wireshark's tcp.stream or udp.stream index; -1 for ICMP and ARP findings (Wireshark numbers no stream there). */
  stream: number;
  /** Evidence frames, 1-based, in order. */
  frames: number[];
  /**
   * For a capture read from several files: the evidence frames by file, numbered as in each
   * file (`frames` are numbers in the merged order, as Wireshark shows a `mergecap -w` file).
   */
  sourceFrames?: Array<{ file: string; frames: number[] }>;
  /** ISO 8601 UTC with the capture's precision. */
  start: string;
  end: string;
  codes: ErrorCode[];
  /**
   * Whose application sees `codes`: the side of the conversation and its endpoint (absent when
   * no code applies). A reset is seen by the side that receives it; a timeout by the side that
   * waited.
   */
  seenBy?: SeenBy;
  /** One sentence. */
  summary: string;
  details: Record<string, unknown>;
  /** Well-known service on the server port, when known (e.g. "SQL Server"). */
  service?: string;
  /**
   * Wireshark display filter that shows the conversation by its addresses and ports: it still
   * works on a cut of the capture, where stream numbers change.
   */
  filter: string;
  /** Wireshark's short filter for the conversation in this capture: "tcp.stream eq N". */
  streamFilter?: string;
  /**
   * The command that opens the capture in Wireshark at the first evidence frame with
   * `streamFilter` applied (the file shell-quoted); absent when the capture came from a pipe.
   */
  wireshark?: string;
  /**
   * Community ID v1 of the conversation (Zeek, Suricata, Arkime, Elastic and Wireshark compute the
   * same); for ICMP messages outside any conversation, of their ICMP flow (an error's own, from
   * the router that sent it). Absent for ARP (no IP header, no ID defined) and for a pattern over
   * many conversations (port-scan, syn-flood).
   */
  communityId?: string;
  /**
   * The packets of `frames`, in frame order, for ladder diagrams. A frame from the middle of a
   * long conversation may be missing (the flow layer keeps its first and last packets only).
   */
  evidence?: EvidencePacket[];
}
