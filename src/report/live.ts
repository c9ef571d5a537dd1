/**
 * The short line `analyze` prints for each finding as soon as it is decided when reading live
 * input in text format (the full report follows when the input ends or on Ctrl-C).
 */
import { endpointLabel } from '../model/words.js';
import type { Finding } from '../rules/types.js';
import type { PendingConversation } from '../model/finding.js';
import { terminalStyle, type TerminalOptions } from './terminal.js';
import { fitLine } from './text.js';

/** How a live line is laid out: the terminal's options, and the columns to fit (none: one line whatever its length). */
export type LiveLineOptions = TerminalOptions & { width?: number };

/** The line, fitted to `width` with continuation lines indented by 4 (none: one line whatever its length). */
function fitted(line: string, width: number | undefined): string {
  return `${(width === undefined ? [line] : fitLine(line, width, 4)).join('\n')}\n`;
}

/** "<rule id>  10.0.0.1:40000 → 10.0.0.2:80 (tcp.stream 3)  Windows 10061 WSAECONNREFUSED, Linux 111 ECONNREFUSED". */
export function formatLiveFinding(f: Finding, opts: LiveLineOptions): string {
  const style = terminalStyle(opts);
  const ep = endpointLabel;
  const codes = (['windows', 'linux'] as const)
    .map((os) => f.codes.find((c) => c.os === os))
    .filter((c) => c !== undefined)
    .map((c) => `${c.os === 'windows' ? 'Windows' : 'Linux'} ${c.code} ${c.name}`)
    .join(', ');
  const who = `${ep(f.client)} ${style.arrow} ${ep(f.server)}`;
  return fitted(`${style.severity(f.severity, style.text(f.rule))}  ${style.text(who)} (${f.protocol}.stream ${f.stream})${codes ? `  ${style.text(codes)}` : ''}`, opts.width);
}

/** "pending  10.0.0.1:40000 → 10.0.0.2:80 (tcp.stream 3)  2 SYNs over 1.0 s unanswered; Linux gives up …". */
export function formatPending(p: PendingConversation, opts: LiveLineOptions): string {
  const style = terminalStyle(opts);
  const who = `${endpointLabel(p.client)} ${style.arrow} ${endpointLabel(p.server)}`;
  return fitted(`${style.severity('warning', 'pending')}  ${style.text(who)} (${p.protocol}.stream ${p.stream})  ${style.text(p.summary)}`, opts.width);
}
