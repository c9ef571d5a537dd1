/**
 * The short line `analyze` prints for each finding as soon as it is decided when reading live
 * input in text format (the full report follows when the input ends or on Ctrl-C).
 */
import { hostPort } from '../rules/engine.js';
import type { Finding } from '../rules/types.js';
import { terminalStyle, type TerminalOptions } from './terminal.js';

/** "<rule id>  10.0.0.1:40000 → 10.0.0.2:80 (tcp.stream 3)  Windows 10061 WSAECONNREFUSED, Linux 111 ECONNREFUSED". */
export function formatLiveFinding(f: Finding, opts: TerminalOptions): string {
  const style = terminalStyle(opts);
  const ep = (e: { address: string; port: number }): string => (e.port < 0 ? e.address : hostPort(e));
  const codes = (['windows', 'linux'] as const)
    .map((os) => f.codes.find((c) => c.os === os))
    .filter((c) => c !== undefined)
    .map((c) => `${c.os === 'windows' ? 'Windows' : 'Linux'} ${c.code} ${c.name}`)
    .join(', ');
  const who = `${ep(f.client)} ${style.arrow} ${ep(f.server)}`;
  return `${style.severity(f.severity, style.text(f.rule))}  ${style.text(who)} (${f.protocol}.stream ${f.stream})${codes ? `  ${style.text(codes)}` : ''}\n`;
}
