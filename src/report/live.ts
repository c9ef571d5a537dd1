/**
 * The short line `analyze` prints for each finding as soon as it is decided when reading live
 * input in text format (the full report follows when the input ends or on Ctrl-C).
 */
import { stripVTControlCharacters } from 'node:util';
import wrapAnsi from 'wrap-ansi';
import { endpointLabel } from '../model/words.js';
import type { Finding } from '../rules/types.js';
import type { PendingConversation } from '../model/finding.js';
import { terminalStyle, type TerminalOptions } from './terminal.js';

/** How a live line is laid out: the terminal's options, and the columns to fit (none: one line whatever its length). */
export type LiveLineOptions = TerminalOptions & { width?: number };

/** One line when it fits `width`, else the head and, indented below it, the rest wrapped to fit. */
function fitLine(head: string, tail: string, width: number | undefined): string {
  const one = tail === '' ? head : `${head}  ${tail}`;
  if (width === undefined || stripVTControlCharacters(one).length <= width) return `${one}\n`;
  const indent = '    ';
  const wrap = (text: string) => wrapAnsi(text, Math.max(10, width - indent.length), { hard: true, trim: true }).split('\n');
  // A head too wide (a narrow terminal, IPv6 addresses) wraps with the rest.
  const lines = stripVTControlCharacters(head).length <= width ? [head, ...wrap(tail)] : wrap(one);
  return `${lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n')}\n`;
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
  return fitLine(`${style.severity(f.severity, style.text(f.rule))}  ${style.text(who)} (${f.protocol}.stream ${f.stream})`, codes ? style.text(codes) : '', opts.width);
}

/** "pending  10.0.0.1:40000 → 10.0.0.2:80 (tcp.stream 3)  2 SYNs over 1.0 s unanswered; Linux gives up …". */
export function formatPending(p: PendingConversation, opts: LiveLineOptions): string {
  const style = terminalStyle(opts);
  const who = `${endpointLabel(p.client)} ${style.arrow} ${endpointLabel(p.server)}`;
  return fitLine(`${style.severity('warning', 'pending')}  ${style.text(who)} (${p.protocol}.stream ${p.stream})`, style.text(p.summary), opts.width);
}
