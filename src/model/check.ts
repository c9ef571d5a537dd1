/** What `wirewhy check` finds for each capture: plain data its command makes and its reporters write. */
import type { FindingProtocol, OsName } from './finding.js';

/** One expected finding. `codes` maps OS → code (a list when an OS reports several). */
export interface ExpectedFinding {
  rule: string;
  protocol: FindingProtocol;
  client: { address: string; port: number };
  server: { address: string; port: number };
  stream: number;
  codes: Partial<Record<OsName, number | number[]>>;
}

/** A finding whose conversation is expected, with different contents. */
export interface ChangedFinding {
  expected: ExpectedFinding;
  actual: ExpectedFinding;
  /** "rule: connect-timeout → connection-refused", one per field that differs. */
  changes: string[];
}

/** How the findings differ from the expectation. Empty lists mean they match. */
export interface ExpectationDiff {
  missing: ExpectedFinding[];
  unexpected: ExpectedFinding[];
  changed: ChangedFinding[];
}

/** What happened to one capture. */
export type CheckStatus = 'pass' | 'fail' | 'no-expectation' | 'error' | 'written' | 'updated' | 'unchanged' | 'not-run';

/** The outcome for one capture. */
export interface CheckOutcome {
  file: string;
  expectation: string;
  status: CheckStatus;
  findings?: number;
  diff?: ExpectationDiff;
  /** One line, for 'error'. */
  error?: string;
  seconds?: number;
}
