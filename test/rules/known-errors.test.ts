/**
 * The catalogue of pasted errors agrees with the code catalogue the rules cite, names only rules
 * that exist, cites a source for every entry, and its lookup never fails on odd input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleOfSignature } from '../../src/rules/index.js';
import { ERROR_CODES, SIGNATURES, codesFor, icmpUnreachableEffect } from '../../src/rules/codes.js';
import { lookupError, normalizeMessage } from '../../src/rules/error-lookup.js';
import { FAILURES, KNOWN_ERRORS, rulesOf, type KnownError } from '../../src/rules/known-errors.js';
import { RULES } from '../../src/rules/index.js';
import type { ErrorCode } from '../../src/rules/types.js';

const FAMILY_OF_OS = { windows: 'winsock', linux: 'linux', macos: 'macos' } as const;

/** The catalogue entry for an OS code the rules cite. */
function entryOf(code: ErrorCode): KnownError | undefined {
  return KNOWN_ERRORS.find((e) => e.family === FAMILY_OF_OS[code.os] && e.name === code.name && !e.textOnly);
}

describe('the catalogue of pasted errors', () => {
  it('has every code the rules cite, with the same number and text', () => {
    for (const code of ERROR_CODES) {
      const entry = entryOf(code);
      expect(entry, `${code.os} ${code.name}`).toBeDefined();
      expect(entry!.code).toBe(code.code);
      expect(entry!.message).toBe(code.message);
    }
  });

  it('maps each code a signature cites to a failure that names the signature\'s rule', () => {
    for (const signature of SIGNATURES) {
      for (const code of codesFor(signature)) {
        expect(rulesOf(entryOf(code)!), `${signature}: ${code.os} ${code.name}`).toContain(ruleOfSignature(signature));
      }
    }
  });

  it('maps each code an ICMP destination unreachable produces to destination-unreachable (or udp-port-unreachable)', () => {
    for (const ipVersion of [4, 6] as const) {
      for (let icmp = 0; icmp < 16; icmp++) {
        for (const transport of ['tcp', 'udp'] as const) {
          for (const code of icmpUnreachableEffect(ipVersion, icmp, transport).codes) {
            const rules = rulesOf(entryOf(code)!);
            expect(rules.includes('destination-unreachable') || rules.includes('udp-port-unreachable'), `ICMPv${ipVersion} ${icmp} ${transport}: ${code.os} ${code.name}`).toBe(true);
          }
        }
      }
    }
  });

  it('names only rules that exist', () => {
    const ids = new Set(RULES.map((r) => r.meta.id));
    for (const [failure, info] of Object.entries(FAILURES)) for (const r of info.rules) expect(ids, `${failure}: ${r}`).toContain(r);
    for (const e of KNOWN_ERRORS) for (const r of e.alsoRules ?? []) expect(ids, `${e.name}: ${r}`).toContain(r);
  });

  it('cites a source for every entry, and every entry can be found', () => {
    for (const e of KNOWN_ERRORS) {
      const label = `${e.family} ${e.code ?? ''} ${e.name ?? e.message}`;
      expect(e.source.length, label).toBeGreaterThan(10);
      expect(e.message.trim(), label).not.toBe('');
      // Findable: by number, by name, or by one of its texts.
      const findable = e.code !== undefined && !e.textOnly || e.name !== undefined && !e.textOnly || (e.texts ?? []).length > 0 || (e.exact ?? []).length > 0 || e.pattern !== undefined || !e.described;
      expect(findable, label).toBe(true);
    }
  });

  it('holds each code once per family, unless a second entry is another spelling of it', () => {
    const seen = new Map<string, KnownError>();
    for (const e of KNOWN_ERRORS) {
      if (e.textOnly || (e.code === undefined && e.name === undefined)) continue;
      const key = `${e.family}|${e.code ?? ''}|${e.name ?? ''}`;
      expect(seen.get(key), key).toBeUndefined();
      seen.set(key, e);
    }
  });

  it('finds each entry by its own printed text', () => {
    for (const e of KNOWN_ERRORS) {
      if (e.described || e.message.includes('<') || e.wrapper) continue;
      const { meanings } = lookupError(e.message);
      const found = meanings.some((m) => m.matches.some((x) => x.entry === e));
      expect(found, `${e.family} ${e.name ?? ''}: ${e.message}`).toBe(true);
    }
  });
});

describe('reading a pasted error', () => {
  it('normalises case, quotes and punctuation', () => {
    expect(normalizeMessage('Couldn’t  connect: To SERVER!')).toBe("couldn't connect to server");
    expect(normalizeMessage('dial tcp: i/o timeout')).toBe('dial tcp i/o timeout');
  });

  it('reads numbers in decimal, hex, and as signed or unsigned 32-bit codes', () => {
    const refused = (q: string): boolean => lookupError(q).meanings.some((m) => m.failure === 'refused');
    for (const q of ['10061', '0x274D', '0x8007274D', '-2147014835', '1225', '0x800704C9']) expect(refused(q), q).toBe(true);
    // xFFFFFFFF is -1: SQL Server's "no operating-system error".
    expect(lookupError('xFFFFFFFF').meanings[0]?.failure).toBe('sql-instance');
  });

  it('never throws, whatever is pasted', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 3000 }), (s) => {
        const r = lookupError(s);
        expect(Array.isArray(r.meanings)).toBe(true);
      }),
      { numRuns: 300 },
    );
    // Long pastes of the shapes the patterns look for.
    for (const s of ['provider, error: 4'.repeat(2000), '(Microsoft SQL Server, Error: '.repeat(1000), '[Errno '.repeat(3000), 'a'.repeat(200_000)]) {
      expect(() => lookupError(s)).not.toThrow();
    }
  });
});
