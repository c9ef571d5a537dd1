/**
 * Findings as packet comments, for `wirewhy annotate`: Wireshark shows a frame's comments in its
 * packet details and in Expert Info, and `frame.comment contains "wirewhy"` finds them.
 */
import { OS_ORDER } from '../rules/codes.js';
import type { Finding } from '../rules/types.js';
import { OS_LABELS } from './text.js';

/** Every comment starts with this word, so one display filter finds them all. */
export const COMMENT_PREFIX = 'wirewhy';

/**
 * The comment for each evidence frame of finding number `number` (as the text report numbers
 * it): "wirewhy [1] <rule id> (error): codes Windows 10061 WSAECONNREFUSED, Linux 111
 * ECONNREFUSED, macOS 61 ECONNREFUSED; 10.0.0.1:40001 → 10.0.0.2:8088: SYN answered by RST …".
 */
export function findingComment(finding: Finding, number: number): string {
  const codes: string[] = [];
  for (const os of OS_ORDER) {
    for (const c of finding.codes) if (c.os === os) codes.push(`${OS_LABELS[os]} ${c.code} ${c.name}`);
  }
  const stream = `${finding.protocol}.stream ${finding.stream}`;
  return `${COMMENT_PREFIX} [${number}] ${finding.rule} (${finding.severity}): codes ${codes.length > 0 ? codes.join(', ') : 'none'}; ${finding.summary} (${stream})`;
}

/**
 * Frame number → comments, one per finding that cites the frame, for the report's findings in
 * report order (finding n is `findings[n - 1]`).
 */
export function frameComments(findings: readonly Finding[]): Map<number, string[]> {
  const byFrame = new Map<number, string[]>();
  findings.forEach((finding, i) => {
    const comment = findingComment(finding, i + 1);
    for (const frame of new Set(finding.frames)) {
      const list = byFrame.get(frame);
      if (list) list.push(comment);
      else byFrame.set(frame, [comment]);
    }
  });
  return byFrame;
}
