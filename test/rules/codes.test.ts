import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  OS_ORDER,
  SIGNATURES,
  codesFor,
  errorCode,
  findCodes,
  icmpUnreachableCodes,
  icmpUnreachableEffect,
  icmpUnreachableName,
  isSignature,
} from '../../src/rules/codes.js';
import type { ErrorCode } from '../../src/rules/types.js';

/** [os, code, name] triples, for compact expectations. */
const brief = (codes: ErrorCode[]): [string, number, string][] => codes.map((c) => [c.os, c.code, c.name]);

describe('error code catalogue', () => {
  it('holds the exact Windows system texts', () => {
    expect(errorCode('windows', 'WSAECONNREFUSED')).toEqual({
      os: 'windows',
      code: 10061,
      name: 'WSAECONNREFUSED',
      message: 'No connection could be made because the target machine actively refused it.',
    });
    expect(errorCode('windows', 'WSAETIMEDOUT').message).toBe(
      'A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.',
    );
    expect(errorCode('windows', 'WSAECONNRESET').message).toBe('An existing connection was forcibly closed by the remote host.');
    expect(errorCode('windows', 'WSAECONNABORTED').message).toBe('An established connection was aborted by the software in your host machine.');
    expect(errorCode('windows', 'WSAEHOSTUNREACH').message).toBe('A socket operation was attempted to an unreachable host.');
    expect(errorCode('windows', 'WSAENETUNREACH').message).toBe('A socket operation was attempted to an unreachable network.');
    expect(errorCode('windows', 'WSAHOST_NOT_FOUND')).toMatchObject({ code: 11001, message: 'No such host is known.' });
    expect(errorCode('windows', 'WSATRY_AGAIN')).toMatchObject({
      code: 11002,
      message: 'This is usually a temporary error during hostname resolution and means that the local server did not receive a response from an authoritative server.',
    });
    expect(errorCode('windows', 'WSANO_RECOVERY')).toMatchObject({ code: 11003, message: 'A non-recoverable error occurred during a database lookup.' });
  });

  it('numbers Linux errno and glibc getaddrinfo codes', () => {
    const linux = Object.fromEntries(ERROR_CODES.filter((c) => c.os === 'linux').map((c) => [c.name, [c.code, c.message]]));
    expect(linux).toMatchObject({
      ECONNREFUSED: [111, 'Connection refused'],
      ETIMEDOUT: [110, 'Connection timed out'],
      ECONNRESET: [104, 'Connection reset by peer'],
      ECONNABORTED: [103, 'Software caused connection abort'],
      EHOSTUNREACH: [113, 'No route to host'],
      ENETUNREACH: [101, 'Network is unreachable'],
      ENOPROTOOPT: [92, 'Protocol not available'],
      EMSGSIZE: [90, 'Message too long'],
      EACCES: [13, 'Permission denied'],
      EPIPE: [32, 'Broken pipe'],
      EOPNOTSUPP: [95, 'Operation not supported'],
      EHOSTDOWN: [112, 'Host is down'],
      ENONET: [64, 'Machine is not on the network'],
      EAI_NONAME: [-2, 'Name or service not known'],
      EAI_AGAIN: [-3, 'Temporary failure in name resolution'],
      EAI_FAIL: [-4, 'Non-recoverable failure in name resolution'],
    });
  });

  it('numbers macOS errno and getaddrinfo codes', () => {
    const macos = Object.fromEntries(ERROR_CODES.filter((c) => c.os === 'macos').map((c) => [c.name, [c.code, c.message]]));
    expect(macos).toMatchObject({
      ECONNREFUSED: [61, 'Connection refused'],
      ETIMEDOUT: [60, 'Operation timed out'],
      ECONNRESET: [54, 'Connection reset by peer'],
      ECONNABORTED: [53, 'Software caused connection abort'],
      EHOSTUNREACH: [65, 'No route to host'],
      ENETUNREACH: [51, 'Network is unreachable'],
      ENOPROTOOPT: [42, 'Protocol not available'],
      EMSGSIZE: [40, 'Message too long'],
      EACCES: [13, 'Permission denied'],
      EPIPE: [32, 'Broken pipe'],
      EAI_NONAME: [8, 'nodename nor servname provided, or not known'],
      EAI_AGAIN: [2, 'temporary failure in name resolution'],
      EAI_FAIL: [4, 'non-recoverable failure in name resolution'],
    });
  });

  it('has one entry per OS and name', () => {
    const keys = ERROR_CODES.map((c) => `${c.os}:${c.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('rejects a name it does not hold', () => {
    expect(() => errorCode('linux', 'WSAECONNREFUSED')).toThrow(/no linux error code/);
  });
});

describe('codesFor', () => {
  it('a SYN answered by RST is 10061 / 111 / 61', () => {
    expect(brief(codesFor('connection-refused'))).toEqual([
      ['windows', 10061, 'WSAECONNREFUSED'],
      ['linux', 111, 'ECONNREFUSED'],
      ['macos', 61, 'ECONNREFUSED'],
    ]);
  });

  it('an unanswered SYN is 10060 / 110 / 60', () => {
    expect(brief(codesFor('connect-timeout'))).toEqual([
      ['windows', 10060, 'WSAETIMEDOUT'],
      ['linux', 110, 'ETIMEDOUT'],
      ['macos', 60, 'ETIMEDOUT'],
    ]);
  });

  it('an RST on an established connection is 10054 / 104 / 54', () => {
    expect(brief(codesFor('connection-reset'))).toEqual([
      ['windows', 10054, 'WSAECONNRESET'],
      ['linux', 104, 'ECONNRESET'],
      ['macos', 54, 'ECONNRESET'],
    ]);
  });

  it('a data retransmission timeout is 10053 on Windows but ETIMEDOUT elsewhere', () => {
    expect(brief(codesFor('connection-aborted'))).toEqual([
      ['windows', 10053, 'WSAECONNABORTED'],
      ['linux', 110, 'ETIMEDOUT'],
      ['macos', 60, 'ETIMEDOUT'],
    ]);
  });

  it('a UDP datagram answered by port unreachable is 10054 on Windows, ECONNREFUSED elsewhere', () => {
    expect(brief(codesFor('udp-port-unreachable'))).toEqual([
      ['windows', 10054, 'WSAECONNRESET'],
      ['linux', 111, 'ECONNREFUSED'],
      ['macos', 61, 'ECONNREFUSED'],
    ]);
  });

  it('DNS failures map to resolver errors', () => {
    expect(brief(codesFor('dns-nxdomain'))).toEqual([
      ['windows', 11001, 'WSAHOST_NOT_FOUND'],
      ['linux', -2, 'EAI_NONAME'],
      ['macos', 8, 'EAI_NONAME'],
    ]);
    expect(brief(codesFor('dns-servfail'))).toEqual([
      ['windows', 11002, 'WSATRY_AGAIN'],
      ['linux', -3, 'EAI_AGAIN'],
      ['macos', 2, 'EAI_AGAIN'],
    ]);
    expect(brief(codesFor('dns-refused'))[0]).toEqual(['windows', 11003, 'WSANO_RECOVERY']);
    expect(brief(codesFor('dns-timeout'))[1]).toEqual(['linux', -3, 'EAI_AGAIN']);
  });

  it('lists every signature in windows, linux, macos order', () => {
    for (const signature of SIGNATURES) {
      expect(codesFor(signature).map((c) => c.os)).toEqual([...OS_ORDER]);
    }
  });

  it('returns a copy the caller may change', () => {
    codesFor('connection-refused').pop();
    expect(codesFor('connection-refused')).toHaveLength(3);
  });

  it('recognises signature ids', () => {
    expect(isSignature('connection-refused')).toBe(true);
    expect(isSignature('toString')).toBe(false);
  });
});

describe('icmpUnreachableCodes', () => {
  const linuxName = (v: 4 | 6, code: number, transport: 'tcp' | 'udp' = 'tcp'): string | undefined =>
    icmpUnreachableCodes(v, code, transport).find((c) => c.os === 'linux')?.name;

  it('follows the Linux icmp_err_convert table for every IPv4 code', () => {
    const expected = [
      'ENETUNREACH', 'EHOSTUNREACH', 'ENOPROTOOPT', 'ECONNREFUSED', 'EMSGSIZE', 'EOPNOTSUPP',
      'ENETUNREACH', 'EHOSTDOWN', 'ENONET', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETUNREACH',
      'EHOSTUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH',
    ];
    expect(expected.map((_, code) => linuxName(4, code))).toEqual(expected);
  });

  it('follows the Linux ICMPv6 table for codes 0-6', () => {
    const expected = ['ENETUNREACH', 'EACCES', 'EHOSTUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EACCES', 'EACCES'];
    expect(expected.map((_, code) => linuxName(6, code))).toEqual(expected);
  });

  it('port unreachable: Windows refuses a TCP connect but resets a UDP socket', () => {
    expect(brief(icmpUnreachableCodes(4, 3, 'tcp'))).toEqual([
      ['windows', 10061, 'WSAECONNREFUSED'],
      ['linux', 111, 'ECONNREFUSED'],
      ['macos', 61, 'ECONNREFUSED'],
    ]);
    expect(brief(icmpUnreachableCodes(4, 3, 'udp'))[0]).toEqual(['windows', 10054, 'WSAECONNRESET']);
    expect(brief(icmpUnreachableCodes(6, 4, 'udp'))[0]).toEqual(['windows', 10054, 'WSAECONNRESET']);
  });

  it('Windows reports network codes as 10051 and host and prohibited codes as 10065', () => {
    const windows = (code: number): number | undefined => icmpUnreachableCodes(4, code, 'tcp')[0]?.code;
    expect([0, 6, 11].map(windows)).toEqual([10051, 10051, 10051]);
    expect([1, 7, 8, 9, 10, 12, 13, 14, 15].map(windows)).toEqual(new Array(9).fill(10065));
  });

  it('macOS maps protocol and prohibited codes to ECONNREFUSED, the rest of the net/host codes to ENETUNREACH', () => {
    const macos = (code: number): string | undefined => icmpUnreachableCodes(4, code, 'tcp')[2]?.name;
    expect([2, 3, 9, 10, 13].map(macos)).toEqual(new Array(5).fill('ECONNREFUSED'));
    expect([0, 1, 5, 6, 7, 8, 11, 12, 14, 15].map(macos)).toEqual(new Array(10).fill('ENETUNREACH'));
    expect(macos(4)).toBe('EMSGSIZE');
  });

  it('returns nothing for a code no stack maps', () => {
    expect(icmpUnreachableCodes(4, 16, 'tcp')).toEqual([]);
    expect(icmpUnreachableCodes(6, 9, 'udp')).toEqual([]);
    expect(icmpUnreachableCodes(4, 1.5, 'tcp')).toEqual([]);
  });
});

describe('icmpUnreachableEffect', () => {
  it('Linux fails a TCP connect at once for every IPv4 code but fragmentation needed', () => {
    for (let code = 0; code <= 15; code++) {
      expect(icmpUnreachableEffect(4, code, 'tcp').abortsConnectImmediately, `code ${code}`).toBe(code !== 4);
    }
    for (let code = 0; code <= 6; code++) {
      expect(icmpUnreachableEffect(6, code, 'tcp').abortsConnectImmediately, `v6 code ${code}`).toBe(true);
    }
  });

  it('no handshake to abort for UDP', () => {
    expect(icmpUnreachableEffect(4, 3, 'udp').abortsConnectImmediately).toBe(false);
  });

  it('marks the hard errors a connected UDP socket reports', () => {
    const hard = (v: 4 | 6, code: number): boolean => icmpUnreachableEffect(v, code, 'udp').hardError;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].filter((c) => hard(4, c))).toEqual([2, 3, 4, 6, 7, 8, 9, 10, 13, 14, 15]);
    expect([0, 1, 2, 3, 4, 5, 6].filter((c) => hard(6, c))).toEqual([1, 4, 5, 6]);
    // Fragmentation needed is soft for TCP: it only lowers the path MTU.
    expect(icmpUnreachableEffect(4, 4, 'tcp').hardError).toBe(false);
  });
});

describe('icmpUnreachableName', () => {
  it('names IPv4 codes', () => {
    expect(icmpUnreachableName(4, 0)).toBe('network unreachable');
    expect(icmpUnreachableName(4, 1)).toBe('host unreachable');
    expect(icmpUnreachableName(4, 2)).toBe('protocol unreachable');
    expect(icmpUnreachableName(4, 3)).toBe('port unreachable');
    expect(icmpUnreachableName(4, 4)).toBe('fragmentation needed');
    expect(icmpUnreachableName(4, 10)).toBe('host administratively prohibited');
    expect(icmpUnreachableName(4, 13)).toBe('communication administratively prohibited');
  });

  it('names ICMPv6 codes', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((c) => icmpUnreachableName(6, c))).toEqual([
      'no route to destination',
      'administratively prohibited',
      'beyond scope of source address',
      'address unreachable',
      'port unreachable',
      'source address failed ingress/egress policy',
      'reject route to destination',
    ]);
  });

  it('says when a code is unknown', () => {
    expect(icmpUnreachableName(4, 42)).toBe('unknown code 42');
  });
});

describe('findCodes', () => {
  it('finds 10061 with the signatures that cite it', () => {
    const matches = findCodes('10061');
    expect(matches).toHaveLength(1);
    expect(matches[0]!.code).toBe(errorCode('windows', 'WSAECONNREFUSED'));
    expect(matches[0]!.signatures).toEqual(['connection-refused']);
    expect(matches[0]!.fromIcmpUnreachable).toBe(true);
  });

  it('finds ECONNREFUSED on every OS, case-insensitive', () => {
    const matches = findCodes('econnrefused');
    expect(matches.map((m) => [m.code.os, m.code.code])).toEqual([
      ['windows', 10061],
      ['linux', 111],
      ['macos', 61],
    ]);
    const linux = matches.find((m) => m.code.os === 'linux')!;
    expect(linux.signatures).toEqual(['connection-refused', 'udp-port-unreachable']);
  });

  it('a WSA symbol finds only the Windows code', () => {
    expect(findCodes('WSAECONNREFUSED').map((m) => m.code.os)).toEqual(['windows']);
  });

  it('finds 11001 as an NXDOMAIN', () => {
    const matches = findCodes('11001');
    expect(matches).toHaveLength(1);
    expect(matches[0]!.code.name).toBe('WSAHOST_NOT_FOUND');
    expect(matches[0]!.signatures).toEqual(['dns-nxdomain']);
    expect(matches[0]!.fromIcmpUnreachable).toBe(false);
  });

  it('a number shared by several OSes finds each of them', () => {
    expect(findCodes('13').map((m) => `${m.code.os}:${m.code.name}`)).toEqual(['linux:EACCES', 'macos:EACCES']);
    expect(findCodes(' 110 ').map((m) => m.signatures)).toEqual([['connect-timeout', 'connection-aborted']]);
    expect(findCodes('-2').map((m) => m.code.name)).toEqual(['EAI_NONAME']);
  });

  it('finds nothing for an unknown query', () => {
    expect(findCodes('')).toEqual([]);
    expect(findCodes('99999')).toEqual([]);
    expect(findCodes('ENOTACODE')).toEqual([]);
  });
});
