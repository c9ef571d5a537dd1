import { describe, expect, it } from 'vitest';
import { explain } from '../../src/report/explain.js';
import { RULES, ruleById } from '../../src/rules/index.js';
import { NON_ASCII } from './support.js';

const plain = { color: false, unicode: true } as const;

describe('explain a code', () => {
  it('10061: the Winsock refusal, its Linux and macOS counterparts, and how it differs from 10060 and 11001', () => {
    const { text, found } = explain('10061', plain);
    expect(found).toBe(true);
    expect(text).toContain('10061 WSAECONNREFUSED');
    expect(text).toContain('No connection could be made because the target machine actively refused it.');
    expect(text).toContain('111 ECONNREFUSED');
    expect(text).toContain('61 ECONNREFUSED');
    expect(text).toContain('10060');
    expect(text).toContain('11001');
    expect(text).toContain('connection-refused');
    // A firewall's ICMP port unreachable for a SYN is also a refusal on Windows.
    expect(text).toContain('destination-unreachable');
  });

  it('finds a code by symbol, in any case, on every OS', () => {
    for (const q of ['ECONNREFUSED', 'wsaeconnrefused']) {
      const { text, found } = explain(q, plain);
      expect(found).toBe(true);
      expect(text).toContain('10061 WSAECONNREFUSED (Windows)');
    }
    const { text } = explain('ECONNREFUSED', plain);
    expect(text).toContain('111 ECONNREFUSED (Linux)');
    expect(text).toContain('61 ECONNREFUSED (macOS)');
    expect(text).toContain('udp-port-unreachable');
  });

  it('111: Linux ECONNREFUSED', () => {
    const { text, found } = explain('111', plain);
    expect(found).toBe(true);
    expect(text).toContain('111 ECONNREFUSED (Linux)');
    expect(text).toContain('Connection refused');
  });

  it('11001 and EAI_NONAME: name not found, explained by dns-failure', () => {
    for (const q of ['11001', 'EAI_NONAME', 'wsahost_not_found']) {
      const { text, found } = explain(q, plain);
      expect(found).toBe(true);
      expect(text).toContain('dns-failure');
      expect(text).toContain(ruleById('dns-failure')!.meta.onTheWire);
      expect(text).toContain('NXDOMAIN');
    }
    expect(explain('11001', plain).text).toContain('No such host is known.');
  });

  it('a code no rule produces is still explained', () => {
    const { text, found } = explain('EPIPE', plain);
    expect(found).toBe(true);
    expect(text).toContain('32 EPIPE');
    expect(text).toContain('No wirewhy rule reports this code');
  });
});

describe('explain a rule or signature', () => {
  it('connection-refused: description, wire view, codes, neighbours, causes and checks', () => {
    const meta = ruleById('connection-refused')!.meta;
    const { text, found } = explain('connection-refused', plain);
    expect(found).toBe(true);
    for (const s of [meta.description, meta.onTheWire, meta.differsFrom!, ...meta.causes, ...meta.checks]) expect(text).toContain(s);
    expect(text).toContain('10061 WSAECONNREFUSED');
    expect(text).toContain('111 ECONNREFUSED');
  });

  it('every rule has an explanation', () => {
    for (const r of RULES) {
      const { text, found } = explain(r.meta.id, plain);
      expect(found).toBe(true);
      expect(text).toContain(r.meta.description);
    }
  });

  it('dns-failure lists the codes per DNS outcome', () => {
    const { text } = explain('dns-failure', plain);
    expect(text).toContain('11001 WSAHOST_NOT_FOUND');
    expect(text).toContain('11002 WSATRY_AGAIN');
    expect(text).toContain('11003 WSANO_RECOVERY');
    expect(text).toContain('EAI_AGAIN');
  });

  it('destination-unreachable shows what each ICMP code becomes', () => {
    const { text } = explain('destination-unreachable', plain);
    expect(text).toMatch(/v4 3\/13.*communication administratively prohibited.*10065 WSAEHOSTUNREACH.*113 EHOSTUNREACH.*61 ECONNREFUSED/);
  });

  it('NXDOMAIN and signature ids lead to dns-failure', () => {
    for (const q of ['NXDOMAIN', 'dns-nxdomain', 'servfail']) {
      const { text, found } = explain(q, plain);
      expect(found).toBe(true);
      expect(text).toContain('Reported by the rule dns-failure.');
    }
  });
});

describe('explain output', () => {
  it('is ASCII without colour when asked', () => {
    for (const q of ['10061', 'destination-unreachable', 'dns-failure']) {
      const { text } = explain(q, { color: false, unicode: false });
      expect(text).not.toMatch(NON_ASCII);
      expect(text).not.toContain('\u001b');
    }
    expect(explain('10061', { color: true, unicode: true }).text).toContain('\u001b[');
  });

  it('an unknown query is not found and lists the rules', () => {
    const { text, found } = explain('nonsense', plain);
    expect(found).toBe(false);
    for (const r of RULES) expect(text).toContain(r.meta.id);
    expect(text).toContain('"nonsense"');
  });

  it('an unknown query cannot write control characters', () => {
    const { text, found } = explain('x\u001b[2J', plain);
    expect(found).toBe(false);
    expect(text).not.toContain('\u001b');
  });
});
