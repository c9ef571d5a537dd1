/** Escaping for the HTML report and the SVG inside it. */
import { sanitizeForTerminal } from './terminal.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape `&`, `<`, `>`, `"` and `'`: safe as element text and as a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * Any text that may come from a capture (DNS names, file names, summaries): control, bidi and
 * lone-surrogate characters made visible as with terminal output, then HTML-escaped.
 */
export function safeText(s: string): string {
  return escapeHtml(sanitizeForTerminal(s));
}
