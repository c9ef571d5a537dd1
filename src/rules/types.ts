/** Types shared by the rule engine, the rules, the code catalogue and the reporters. */

/** Severity of a finding, lowest first. */
export type Severity = 'info' | 'warning' | 'error';

/** Ordered severities, for thresholds (`--fail-on`). */
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

/** Operating systems whose socket errors we cite. */
export type OsName = 'windows' | 'linux' | 'macos';

/** One OS's error for a failure: `{os: 'windows', code: 10061, name: 'WSAECONNREFUSED', message: '…'}`. */
export interface ErrorCode {
  os: OsName;
  code: number;
  name: string;
  message: string;
}

/** An endpoint as reported: textual address and port (-1 for none). */
export interface Endpoint {
  address: string;
  port: number;
}

/** A finding: the root cause of one failed conversation. Data only; reporters format it. */
export interface Finding {
  rule: string;
  severity: Severity;
  protocol: 'tcp' | 'udp';
  client: Endpoint;
  server: Endpoint;
  /** Outer/inner VLAN ids when the conversation was tagged. */
  vlan?: number[];
  /** Wireshark's tcp.stream or udp.stream index. */
  stream: number;
  /** Evidence frames, 1-based, in order. */
  frames: number[];
  /** ISO 8601 UTC with the capture's precision. */
  start: string;
  end: string;
  codes: ErrorCode[];
  /** One sentence. */
  summary: string;
  details: Record<string, unknown>;
  /** Well-known service on the server port, when known (e.g. "SQL Server"). */
  service?: string;
  /** Wireshark display filter that shows the conversation. */
  filter: string;
}

/** Static description of a rule (ESLint-style `meta`). */
export interface RuleMeta {
  /** Stable kebab-case id. */
  id: string;
  /** One line. */
  description: string;
  severity: Severity;
  /** What it looks like on the wire (for `explain`). */
  onTheWire: string;
  /** Error codes the application sees, per OS. */
  codes: ErrorCode[];
  /** Likely causes, most likely first. */
  causes: string[];
  /** What to check, in order. */
  checks: string[];
  /** Neighbouring signatures and how this one differs (for `explain`). */
  differsFrom?: string;
}
