/** Types of the rules; the finding's types live in model/finding.ts and are re-exported here. */
import type { ErrorCode, Finding, Severity } from '../model/finding.js';
import type { Signature } from './codes.js';
import type { FailureKind } from './services.js';

export * from '../model/finding.js';

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
  /** The rule in a few words ("SYN answered by RST"): what an error's meaning shows on the wire in `explain`. */
  gist: string;
  /** The failure signatures (codes.ts) whose findings this rule reports, each in a few words; none when it reports none of them. */
  signatures?: RuleSignature[];
  /**
   * What a service's clients call a finding of this rule (their messages per kind are in
   * services.ts), when it is one kind, or as each finding says; none: no client text is known.
   */
  failureKind?: FailureKind | ((finding: Finding) => FailureKind | undefined);
  /**
   * The codes depend on the ICMP destination-unreachable code: `codes` are those of `shownCase`,
   * and `explain --full` prints every ICMP code's, followed by `note`.
   */
  icmpCodes?: { shownCase: string; note: string };
}

/** A failure signature a rule reports, and what it looks like in a few words. */
export interface RuleSignature {
  signature: Signature;
  meaning: string;
}
