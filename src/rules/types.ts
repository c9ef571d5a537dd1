/** Types of the rules; the finding's types live in model/finding.ts and are re-exported here. */
import type { ErrorCode, Severity } from '../model/finding.js';

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
}
