/**
 * Community ID v1 against the spec's published test vectors
 * (github.com/corelight/community-id-spec: baseline/README.md tables and baseline_deflt.json).
 */
import { describe, expect, it } from 'vitest';
import { addressBytes, communityIdIcmp, communityIdOf, communityIdOfIcmp, communityIdV1, icmpPortEquivalents } from '../../src/model/community-id.js';

const V6A = 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D';
const V6B = 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D';

function bytes(text: string): Uint8Array {
  const b = addressBytes(text);
  if (!b) throw new Error(`not an address: ${text}`);
  return b;
}

/**
 * The README's tables: protocol, source, destination, ports (ICMP: type and code), and the ID with
 * seed 0, with seed 1, and without base64 (the hex of the digest).
 */
const TABLE: Array<[number, string, string, number | null, number | null, string, string, string]> = [
  [6, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:wCb3OG7yAFWelaUydu0D+125CLM=', '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=', 'c026f7386ef200559e95a53276ed03fb5db908b3'],
  [6, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:wCb3OG7yAFWelaUydu0D+125CLM=', '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=', 'c026f7386ef200559e95a53276ed03fb5db908b3'],
  [17, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=', '1:OShq+iKDAMVouh/4bMxB9Sz4amw=', 'd0cbbd227431eb3e1988264cffb1d78b658c84e8'],
  [17, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=', '1:OShq+iKDAMVouh/4bMxB9Sz4amw=', 'd0cbbd227431eb3e1988264cffb1d78b658c84e8'],
  [132, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=', '1:uitchpn5MMGAQKBJh7bIr/bAr7s=', '10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f'],
  [132, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=', '1:uitchpn5MMGAQKBJh7bIr/bAr7s=', '10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f'],
  [1, '1.2.3.4', '5.6.7.8', 8, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=', '1:9pr4ZGTICiuZoIh90RRYE2RyXpU=', '72ba1d4472f6144b078dbbf752446b7dbb386d9d'],
  [1, '5.6.7.8', '1.2.3.4', 0, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=', '1:9pr4ZGTICiuZoIh90RRYE2RyXpU=', '72ba1d4472f6144b078dbbf752446b7dbb386d9d'],
  [1, '1.2.3.4', '5.6.7.8', 11, 0, '1:f/YiSyWqczrTgfUCZlBUnvHRcPk=', '1:1DD7cWGC/Yg91YGsQeni8du3pIA=', '7ff6224b25aa733ad381f5026650549ef1d170f9'],
  [58, V6A, V6B, 128, 0, '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=', '1:IO27GQzPuCtNnwFvjWALMHu5tJE=', 'd1b7fb872309530b777cc103ef3f0b21f46905ea'],
  [58, V6B, V6A, 129, 0, '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=', '1:IO27GQzPuCtNnwFvjWALMHu5tJE=', 'd1b7fb872309530b777cc103ef3f0b21f46905ea'],
  [58, V6A, V6B, 146, 0, '1:fYC8+pz24E+EhANP1EZhpX0Dw10=', '1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=', '7d80bcfa9cf6e04f8484034fd44661a57d03c35d'],
  [46, '1.2.3.4', '5.6.7.8', null, null, '1:ikv3kmf89luf73WPz1jOs49S768=', '1:/buhqeOmaRCopOZFy9HnoJd5XW8=', '8a4bf79267fcf65b9fef758fcf58ceb38f52efaf'],
  [46, '5.6.7.8', '1.2.3.4', null, null, '1:ikv3kmf89luf73WPz1jOs49S768=', '1:/buhqeOmaRCopOZFy9HnoJd5XW8=', '8a4bf79267fcf65b9fef758fcf58ceb38f52efaf'],
  [46, V6A, V6B, null, null, '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=', '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=', 'c10ff69b0ae75cfe259897077462f978f8d1f9ed'],
  [46, V6B, V6A, null, null, '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=', '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=', 'c10ff69b0ae75cfe259897077462f978f8d1f9ed'],
];

/** baseline_deflt.json: tuples from the spec's combined.pcap, ICMP ports already mapped to their equivalents. */
const BASELINE: Array<[number, string, string, number | null, number | null, string]> = [
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 136, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 136, 135, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 135, 136, '1:zavyT/cezQr1fmImYCwYnMXbgck='],
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 136, 135, '1:zavyT/cezQr1fmImYCwYnMXbgck='],
  [58, '3ffe:501:1800:2345::2', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, '1:2ObVBgIn28oZvibYZhZMBgh7WdQ='],
  [58, '3ffe:501:410:0:2c0:dfff:fe47:33e', '3ffe:507:0:1:200:86ff:fe05:80da', 1, 4, '1:hLZd0XGWojozrvxqE0dWB1iM6R0='],
  [58, '3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:501:0:1001::2', 128, 129, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg='],
  [58, '3ffe:501:0:1001::2', '3ffe:507:0:1:200:86ff:fe05:80da', 129, 128, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg='],
  [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0='],
  [58, 'fe80::260:97ff:fe07:69ea', 'ff02::1', 134, 133, '1:pkvHqCL88/tg1k4cPigmZXUtL00='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  [1, '192.168.0.1', '192.168.0.89', 0, 8, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:YHxtAirCG//0OzkcVAukqKQN9xM='],
  [6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  [6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  [6, '66.35.250.204', '128.232.110.120', 80, 34855, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  [46, '10.1.12.1', '10.1.12.2', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw='],
  [46, '10.1.12.2', '10.1.12.1', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw='],
];

/** The spec's tables give ICMP messages by type and code; other protocols by ports. */
function idOf(proto: number, src: string, dst: string, sport: number | null, dport: number | null, seed: number): string {
  if (proto === 1 || proto === 58) return communityIdIcmp(proto === 58, bytes(src), bytes(dst), sport!, dport!, seed);
  return communityIdV1(proto, bytes(src), bytes(dst), sport, dport, seed);
}

describe('Community ID v1: the spec test vectors', () => {
  it.each(TABLE)('proto %i %s → %s (%s, %s), seed 0 and seed 1', (proto, src, dst, sport, dport, seed0, seed1) => {
    expect(idOf(proto, src, dst, sport, dport, 0)).toBe(seed0);
    expect(idOf(proto, src, dst, sport, dport, 1)).toBe(seed1);
  });

  it.each(TABLE)('proto %i %s → %s (%s, %s): the digest without base64', (proto, src, dst, sport, dport, seed0, _seed1, hex) => {
    // The base64 of the spec's hex digest is the seed-0 ID: the digest itself is right, not only its rendering.
    expect(`1:${Buffer.from(hex, 'hex').toString('base64')}`).toBe(seed0);
    expect(idOf(proto, src, dst, sport, dport, 0)).toBe(`1:${Buffer.from(hex, 'hex').toString('base64')}`);
  });

  it.each(BASELINE)('baseline_deflt.json: proto %i %s → %s (%s, %s)', (proto, src, dst, sport, dport, id) => {
    // ICMP ports here are already the equivalents: a request/reply pair orders like TCP, a one-way
    // message (ICMPv6 time exceeded 3/0 and destination unreachable 1/4, ICMP time exceeded 11/0) keeps its direction.
    const icmp = proto === 1 || proto === 58;
    const oneWay = icmp && sport !== null && icmpPortEquivalents(proto === 58, sport, 0).oneWay;
    expect(communityIdV1(proto, bytes(src), bytes(dst), sport, dport, 0, oneWay)).toBe(id);
  });
});

describe('Community ID of an ICMP message between textual addresses', () => {
  it('gives the baseline\'s IDs: an ICMPv6 destination unreachable one-way from its router, a solicitation paired with its advertisement', () => {
    expect(communityIdOfIcmp('3ffe:501:410:0:2c0:dfff:fe47:33e', '3ffe:507:0:1:200:86ff:fe05:80da', 1, 4)).toBe('1:hLZd0XGWojozrvxqE0dWB1iM6R0=');
    expect(communityIdOfIcmp('3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:501:410:0:2c0:dfff:fe47:33e', 1, 4)).not.toBe('1:hLZd0XGWojozrvxqE0dWB1iM6R0=');
    expect(communityIdOfIcmp('fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 0)).toBe('1:dGHyGvjMfljg6Bppwm3bg0LO8TY=');
    expect(communityIdOfIcmp('10.0.0.1', '10.0.0.2', 11, 0)).toBe('1:YHxtAirCG//0OzkcVAukqKQN9xM=');
  });

  it('has none for addresses that do not parse or mix IPv4 and IPv6', () => {
    expect(communityIdOfIcmp('10.0.0.1', 'fe80::1', 3, 1)).toBeNull();
    expect(communityIdOfIcmp('not an address', '10.0.0.2', 3, 1)).toBeNull();
  });
});

describe('ICMP port equivalents (Zeek counterparts)', () => {
  it('maps request and reply types to each other and keeps other messages one-way', () => {
    expect(icmpPortEquivalents(false, 8, 0)).toEqual({ sport: 8, dport: 0, oneWay: false });
    expect(icmpPortEquivalents(false, 0, 0)).toEqual({ sport: 0, dport: 8, oneWay: false });
    expect(icmpPortEquivalents(false, 3, 3)).toEqual({ sport: 3, dport: 3, oneWay: true });
    expect(icmpPortEquivalents(true, 135, 0)).toEqual({ sport: 135, dport: 136, oneWay: false });
    expect(icmpPortEquivalents(true, 1, 4)).toEqual({ sport: 1, dport: 4, oneWay: true });
  });

  it('a one-way message is not reordered: the same tuple backwards is another flow', () => {
    const a = bytes('10.0.0.2');
    const b = bytes('10.0.0.1');
    expect(communityIdIcmp(false, a, b, 3, 3)).not.toBe(communityIdIcmp(false, b, a, 3, 3));
    expect(communityIdIcmp(false, a, b, 8, 0)).toBe(communityIdIcmp(false, b, a, 0, 0));
  });
});

describe('addresses', () => {
  it('reads IPv4, IPv6 with "::", and IPv6 ending in a dotted quad', () => {
    expect([...bytes('192.168.0.1')]).toEqual([192, 168, 0, 1]);
    expect(Buffer.from(bytes('fe80::1')).toString('hex')).toBe('fe800000000000000000000000000001');
    expect(Buffer.from(bytes('::')).toString('hex')).toBe('0'.repeat(32));
    expect(Buffer.from(bytes('::ffff:10.0.0.1')).toString('hex')).toBe('00000000000000000000ffff0a000001');
    expect(Buffer.from(bytes(V6A)).toString('hex')).toBe('fe80000102030405060708090a0b0c0d');
  });

  it('refuses what is not an address', () => {
    for (const bad of ['', '1.2.3', '256.1.1.1', '1:2:3:4:5:6:7:8:9', '1::2::3', 'fe80::g', '1:2:3:4:5:6:7:8::', 'host.example']) {
      expect(addressBytes(bad), bad).toBeNull();
    }
    expect(communityIdOf('tcp', { address: '10.0.0.1', port: 1 }, { address: '2001:db8::1', port: 2 })).toBeNull();
  });

  it('a conversation has one ID whichever endpoint is named first', () => {
    const a = { address: '2001:db8::1', port: 50000 };
    const b = { address: '2001:db8::2', port: 443 };
    expect(communityIdOf('tcp', a, b)).toBe(communityIdOf('tcp', b, a));
    expect(communityIdOf('tcp', a, b)).not.toBe(communityIdOf('udp', a, b));
  });
});
