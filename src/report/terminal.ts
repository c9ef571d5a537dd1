/**
 * Terminal helpers for the human-readable outputs: escaping of untrusted text, ASCII
 * folding and ANSI colour. Everything here is pure; callers decide about colour and Unicode.
 */
import type { CharName } from 'cli-table3';
import type { Severity } from '../rules/types.js';

/** How human-readable output may use the terminal. */
export interface TerminalOptions {
  /** Emit ANSI colour escapes. */
  color: boolean;
  /** Use non-ASCII characters (arrows, box drawing); false means plain ASCII only. */
  unicode: boolean;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

// C0 controls, DEL and C1 controls: a capture can carry any of them in a DNS name or a
// file name, and ESC or CSI would let it drive the terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Characters that reorder or break lines without being controls: bidi embeddings,
// overrides and isolates (the "Trojan Source" characters), the Arabic letter mark, LRM/RLM,
// and the Unicode line and paragraph separators.
const INVISIBLE_LAYOUT = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// A surrogate without its pair cannot be encoded as UTF-8; Node would write U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Make a string safe to print: control characters (C0, DEL, C1 — newline and tab
 * included) become `\xHH`, and bidi/line-separator characters and lone surrogates `\uHHHH`.
 */
export function sanitizeForTerminal(s: string): string {
  return s
    .replace(CONTROL, (c) => `\\x${hex(c.charCodeAt(0), 2)}`)
    .replace(INVISIBLE_LAYOUT, (c) => `\\u${hex(c.charCodeAt(0), 4)}`)
    .replace(LONE_SURROGATE, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

/** ASCII spellings of the non-ASCII characters our own texts use. */
const ASCII_FOLDS: Readonly<Record<string, string>> = {
  '→': '->',
  '←': '<-',
  '↔': '<->',
  '⇒': '=>',
  '×': 'x',
  '…': '...',
  '—': '-',
  '–': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '±': '+/-',
  'µ': 'u',
  '·': '.',
  '•': '*',
  '§': 'S.',
  '\u00a0': ' ',
};

const NON_ASCII = /[^\u0000-\u007f]/gu;

/**
 * Plain ASCII: known typographic characters get their ASCII spelling ("→" becomes "->");
 * any other non-ASCII character becomes `\uHHHH` (or `\u{HHHHH}` beyond the BMP).
 */
export function toAscii(s: string): string {
  return s.replace(NON_ASCII, (c) => {
    const folded = ASCII_FOLDS[c];
    if (folded !== undefined) return folded;
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? `\\u{${hex(cp, 5)}}` : `\\u${hex(cp, 4)}`;
  });
}

type Paint = (s: string) => string;

/** Text and colour functions bound to one set of terminal options. */
export interface TerminalStyle {
  readonly options: TerminalOptions;
  /** Any text to print: sanitised, and folded to ASCII when Unicode is off. Apply once. */
  text(s: string): string;
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
  cyan: Paint;
  /** Colour `s` (default: the severity's name) by severity. */
  severity(severity: Severity, s?: string): string;
  /** "→" or "->". */
  readonly arrow: string;
  /** "…" or "...". */
  readonly ellipsis: string;
  /** "×" or "x". */
  readonly times: string;
  /** "—" or "-". */
  readonly dash: string;
  /** Border characters for cli-table3. */
  readonly tableChars: Partial<Record<CharName, string>>;
}

// SGR codes; each colour is closed by its own reset so nesting bold inside colour works.
function sgr(open: number, close: number): Paint {
  return (s) => `\x1b[${open}m${s}\x1b[${close}m`;
}

const identity: Paint = (s) => s;

const ASCII_TABLE_CHARS: Record<CharName, string> = {
  top: '-',
  'top-mid': '+',
  'top-left': '+',
  'top-right': '+',
  bottom: '-',
  'bottom-mid': '+',
  'bottom-left': '+',
  'bottom-right': '+',
  left: '|',
  'left-mid': '+',
  mid: '-',
  'mid-mid': '+',
  right: '|',
  'right-mid': '+',
  middle: '|',
};

const UNICODE_TABLE_CHARS: Record<CharName, string> = {
  top: '─',
  'top-mid': '┬',
  'top-left': '┌',
  'top-right': '┐',
  bottom: '─',
  'bottom-mid': '┴',
  'bottom-left': '└',
  'bottom-right': '┘',
  left: '│',
  'left-mid': '├',
  mid: '─',
  'mid-mid': '┼',
  right: '│',
  'right-mid': '┤',
  middle: '│',
};

/** The style for `options`: with colour off, every paint function returns its input. */
export function terminalStyle(options: TerminalOptions): TerminalStyle {
  const c = options.color;
  const red = c ? sgr(31, 39) : identity;
  const yellow = c ? sgr(33, 39) : identity;
  const cyan = c ? sgr(36, 39) : identity;
  const bold = c ? sgr(1, 22) : identity;
  const u = options.unicode;
  return {
    options: { color: options.color, unicode: options.unicode },
    text: u ? sanitizeForTerminal : (s) => toAscii(sanitizeForTerminal(s)),
    bold,
    dim: c ? sgr(2, 22) : identity,
    red,
    yellow,
    green: c ? sgr(32, 39) : identity,
    cyan,
    severity(severity, s = severity) {
      switch (severity) {
        case 'error': return bold(red(s));
        case 'warning': return yellow(s);
        default: return cyan(s);
      }
    },
    arrow: u ? '→' : '->',
    ellipsis: u ? '…' : '...',
    times: u ? '×' : 'x',
    dash: u ? '—' : '-',
    tableChars: u ? UNICODE_TABLE_CHARS : ASCII_TABLE_CHARS,
  };
}
