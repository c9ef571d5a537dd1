/**
 * A capture's part of a scan's output (its report in the JSON document, its test case in JUnit,
 * its section of the HTML page, its expectation for `check`): what the worker that rendered it
 * sends back, and what the writer of the whole output reads it through. The files themselves
 * are scan/parts.ts's business.
 */
import type { Severity } from './finding.js';

/** What a capture's part is made for: a `scan --format` name whose parts are kept, or `check`'s expectation. */
export type CapturePartKind = string;

/** The part kind of `check`: a capture's expectation file. */
export const EXPECTATION_PART = 'expectation';

/** What the workers render for each capture: the kind, and what that kind depends on. */
export interface CapturePartRequest {
  kind: CapturePartKind;
  /** JUnit: the `--fail-on` threshold that makes a test case fail. */
  failOn?: Severity;
}

/** Where a part is: a range of a temporary file, or the text itself. */
export type CapturePartLocation = { path: string; offset: number; length: number } | { text: string };

/** A rendered part and the counts the document around it needs. */
export interface CapturePart {
  at: CapturePartLocation;
  /** JUnit: the test case fails (a finding reached `--fail-on`). */
  failed?: boolean;
  /** HTML: the rules of the findings its section shows. */
  rules?: string[];
  /** HTML: the finding cards its section shows. Expectation: the findings it expects. */
  findings?: number;
}

/** The counts of a part, as its renderer finds them. */
export type CapturePartCounts = Omit<CapturePart, 'at'>;

/**
 * Stands for the section's id prefix in an HTML part (`s1`, `s2`, … by the section's place on
 * the page, which is known only when every capture is done). A control character: every text
 * that comes from a capture is made visible by `safeText` before it reaches the page, so this
 * one never occurs in a section otherwise.
 */
export const HTML_PREFIX_MARK = '\u0001';

/** Where the parts of one scan are kept, as the pool and the output writer use it. */
export interface CapturePartSource {
  readonly request: CapturePartRequest;
  /** The folder the workers write to, or null when parts travel back as text. */
  readonly dir: string | null;
  /** Pass the part's text to `write` in pieces. */
  copy(at: CapturePartLocation, write: (chunk: string) => unknown): void;
  /** The part's whole text. */
  text(at: CapturePartLocation): string;
  /** Remove what the parts took (temporary files). */
  close(): void;
}
