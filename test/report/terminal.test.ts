import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal, terminalStyle, toAscii } from '../../src/report/terminal.js';

describe('sanitizeForTerminal', () => {
  it('escapes ESC so a capture cannot send colour or cursor sequences', () => {
    expect(sanitizeForTerminal('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
  });

  it('escapes every C0 control, newline and tab included, and DEL', () => {
    expect(sanitizeForTerminal('a\nb\tc\rd\u0000e\u0007f\u007f')).toBe('a\\x0ab\\x09c\\x0dd\\x00e\\x07f\\x7f');
    for (let c = 0; c < 0x20; c++) expect(sanitizeForTerminal(String.fromCharCode(c))).toMatch(/^\\x[0-9a-f]{2}$/);
  });

  it('escapes C1 controls such as the 8-bit CSI', () => {
    expect(sanitizeForTerminal('\u009b31m\u0085')).toBe('\\x9b31m\\x85');
  });

  it('escapes bidi overrides, line separators and lone surrogates', () => {
    expect(sanitizeForTerminal('a\u202eb\u2028c\u2066d')).toBe('a\\u202eb\\u2028c\\u2066d');
    expect(sanitizeForTerminal('x\ud800y\udc00')).toBe('x\\ud800y\\udc00');
  });

  it('leaves printable text alone, including non-ASCII letters and surrogate pairs', () => {
    const s = 'héllo → wörld 😀 "quoted" \\ back';
    expect(sanitizeForTerminal(s)).toBe(s);
  });
});

describe('toAscii', () => {
  it('spells arrows and typographic characters in ASCII', () => {
    expect(toAscii('a → b ↔ c × 3 … — done')).toBe('a -> b <-> c x 3 ... - done');
  });

  it('escapes other non-ASCII characters', () => {
    expect(toAscii('héllo 😀')).toBe('h\\u00e9llo \\u{1f600}');
  });
});

describe('terminalStyle', () => {
  it('adds no escapes when colour is off', () => {
    const style = terminalStyle({ color: false, unicode: true });
    expect(style.bold('x') + style.red('y') + style.severity('error')).toBe('xyerror');
  });

  it('colours severities when colour is on', () => {
    const style = terminalStyle({ color: true, unicode: true });
    expect(style.severity('warning')).toBe('\u001b[33mwarning\u001b[39m');
  });

  it('text() sanitises and, in ASCII mode, folds', () => {
    expect(terminalStyle({ color: false, unicode: false }).text('a → b\u001b')).toBe('a -> b\\x1b');
    expect(terminalStyle({ color: false, unicode: true }).text('a → b\u001b')).toBe('a → b\\x1b');
  });
});
