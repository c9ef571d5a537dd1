/** The words every stage writes: one spelling each, whoever writes it. */
import { describe, expect, it } from 'vitest';
import { displayFilter, endpointLabel, hostPort, humanDuration, isoTime, plural, round3, splitTime } from '../../src/model/words.js';
import * as engine from '../../src/rules/engine.js';

describe('words', () => {
  it('an endpoint: IPv6 in brackets, no port where the protocol has none', () => {
    expect(hostPort({ address: '10.0.0.1', port: 80 })).toBe('10.0.0.1:80');
    expect(hostPort({ address: 'fe80::1', port: 443 })).toBe('[fe80::1]:443');
    expect(endpointLabel({ address: '10.0.0.1', port: -1 })).toBe('10.0.0.1');
    expect(endpointLabel({ address: 'fe80::1', port: 53 })).toBe('[fe80::1]:53');
  });

  it('a count with its noun', () => {
    expect(plural(1, 'capture')).toBe('1 capture');
    expect(plural(0, 'capture')).toBe('0 captures');
    expect(plural(2, 'other file')).toBe('2 other files');
    expect(plural(3, 'analysis', 'analyses')).toBe('3 analyses');
  });

  it('a time: ISO 8601 UTC at the capture precision, split and rounded', () => {
    expect(isoTime(1_700_000_000, 123_456_789, 6)).toBe('2023-11-14T22:13:20.123456Z');
    expect(isoTime(1_700_000_000, 123_456_789, 9)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(splitTime(1.5)).toEqual([1, 500_000_000]);
    expect(round3(0.12345)).toBe(0.123);
    expect(humanDuration(0.0002)).toBe('0.20 ms');
    expect(humanDuration(3)).toBe('3.0 s');
    expect(humanDuration(3599.8)).toBe('60 min 0 s');
  });

  it('a display filter per IP version, with the outer VLAN when tagged', () => {
    const flow = { kind: 'tcp' as const, ipVersion: 4, client: { address: '10.0.0.1', port: 40000 }, server: { address: '10.0.0.2', port: 80 }, vlanOuter: -1 };
    expect(displayFilter(flow)).toBe('ip.addr == 10.0.0.1 && tcp.port == 40000 && ip.addr == 10.0.0.2 && tcp.port == 80');
    expect(displayFilter({ ...flow, kind: 'udp', ipVersion: 6, client: { address: 'fd00::1', port: 5353 }, server: { address: 'fd00::2', port: 53 }, vlanOuter: 10 })).toBe(
      'ipv6.addr == fd00::1 && udp.port == 5353 && ipv6.addr == fd00::2 && udp.port == 53 && vlan.id == 10',
    );
  });

  it('the rule engine hands out the same functions while rules still import them from there', () => {
    expect(engine.hostPort).toBe(hostPort);
    expect(engine.humanDuration).toBe(humanDuration);
    expect(engine.isoTime).toBe(isoTime);
    expect(engine.displayFilter).toBe(displayFilter);
  });
});
