/**
 * The words for input that could not be analysed: one line per unreadable capture, what counts as
 * a capture with nothing useful in it, system errors as people search for them. Shared by the
 * command, the scan and the library's callers.
 */
import { getSystemErrorMap } from 'node:util';
import { CaptureError } from '../capture/types.js';
import type { InternalFault } from '../model/faults.js';
import type { AnalysisReport } from '../model/report.js';
import { sanitizeForTerminal } from './terminal.js';

/**
 * An operating-system error in words, as `ls` or `cat` print it ("no such file or directory",
 * "no space left on device"), instead of its symbol (ENOENT): the text people search for.
 * Errors that are not system errors give their message.
 */
export function describeSystemError(e: unknown): string {
  const err = e as NodeJS.ErrnoException | undefined;
  const known = typeof err?.errno === 'number' ? getSystemErrorMap().get(err.errno) : undefined;
  if (known && known[0] === err?.code) return known[1];
  if (typeof err?.code === 'string') {
    for (const [name, text] of getSystemErrorMap().values()) if (name === err.code) return text;
  }
  return err?.message ?? String(e);
}

/**
 * One line for an unreadable capture: "wirewhy: FILE: message (byte offset N)". The file name
 * (and the message, which may quote it) is escaped: a name can hold ESC or a newline.
 */
export function captureErrorLine(file: string, e: unknown): string {
  const name = sanitizeForTerminal(file);
  if (e instanceof CaptureError) {
    // A file that could not be opened has no byte offset, and its reason reads better in words
    // ("no such file or directory") than as the reader's errno symbol ("cannot open (ENOENT)").
    if (e.code === 'cannot_open') return `wirewhy: ${name}: ${sanitizeForTerminal(openFailureText(e.message))}`;
    return `wirewhy: ${name}: ${sanitizeForTerminal(e.message)} (at byte offset ${e.offset})`;
  }
  const err = e as NodeJS.ErrnoException;
  // An I/O error reading the file (EIO on a bad disk, EISDIR...) is about the input; anything
  // else is a fault of ours, said as such so it is not mistaken for a broken capture.
  if (err?.code && typeof err.code === 'string' && err.syscall) return `wirewhy: ${name}: ${sanitizeForTerminal(err.message)}`;
  return `wirewhy: ${name}: internal error: ${sanitizeForTerminal(err?.message ?? String(e))} (set WIREWHY_DEBUG=1 for details)`;
}

/** "cannot open (ENOENT)" as the reader says it → "no such file or directory". */
function openFailureText(message: string): string {
  const symbol = /^cannot open \((E[A-Z0-9]+)\)$/.exec(message)?.[1];
  return symbol ? describeSystemError({ code: symbol }) : message;
}

/**
 * The one line for a capture that was read but held nothing useful (cut before its first
 * complete frame, say): the warning that explains it, said as the error it is.
 */
export function unusableCaptureLine(file: string, report: AnalysisReport): string {
  const w = report.capture.warnings.find((x) => x.code !== 'unsupported_link_type')!;
  const where = w.offset !== undefined ? ` (at byte offset ${w.offset})` : '';
  return `wirewhy: ${sanitizeForTerminal(file)}: ${sanitizeForTerminal(w.message)}${where}`;
}

// What counts as a capture with nothing useful in it is a fact about the report (model/report.ts).
export { nothingUseful } from '../model/report.js';

/** What WIREWHY_DEBUG=1 prints for a contained internal fault: where, then the stack. */
export function internalErrorStack(file: string, fault: InternalFault, e: unknown): string {
  const where = fault.stream !== undefined ? `${fault.protocol}.stream ${fault.stream}, frame ${fault.frame}` : `frame ${fault.frame}`;
  return `wirewhy: ${sanitizeForTerminal(file)}: internal error in ${fault.component} at ${where} (contained)\n${(e as Error)?.stack ?? String(e)}\n`;
}
