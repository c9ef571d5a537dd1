/**
 * Internal faults: a bug of ours met while analysing one conversation. Like Zeek's "weird" and
 * Wireshark's dissector exception on one frame, a fault is recorded and the analysis goes on
 * without the part that failed; the report counts it (`capture.anomalies.internal_error`) and
 * names each one (`capture.internalErrors`).
 */

/** One internal fault, as the report lists it. */
export interface InternalFault {
  /** What failed: "reassembly", "tcp", "udp", "rule connection-reset", "recogniser tls", "evidence", … */
  component: string;
  /** The frame being processed (1-based), or the conversation's last frame when it was being decided. */
  frame: number;
  /** The conversation's protocol and Wireshark stream index, when the fault concerned one. */
  protocol?: 'tcp' | 'udp';
  stream?: number;
  /** The error's message (its stack goes to `onInternalError`, not into the report). */
  message: string;
}

/** What a fault concerned: a conversation (kind and stream index), or nothing known. */
export interface FaultSubject {
  kind: 'tcp' | 'udp';
  stream: number;
}

/** Where a component reports a fault it contained: the analysis goes on after the call. */
export type FaultSink = (component: string, frame: number, subject: FaultSubject | null, error: unknown) => void;
