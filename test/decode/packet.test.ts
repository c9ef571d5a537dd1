import { describe, expect, it } from 'vitest';
import { formatAddress } from '../../src/decode/packet.js';
import { addressBytes } from '../../dev/packet-builder.js';

/** Address words in the `Packet.addr` layout, `text` placed as the source (base 0). */
function words(text: string): Uint32Array {
  const bytes = addressBytes(text);
  const addr = new Uint32Array(8);
  if (bytes.length === 4) addr[3] = bytes.readUInt32BE(0);
  else for (let i = 0; i < 4; i++) addr[i] = bytes.readUInt32BE(i * 4);
  return addr;
}

describe('formatAddress', () => {
  it('prints IPv4 dotted, from word 3 (src) or word 7 (dst)', () => {
    const addr = new Uint32Array([0, 0, 0, 0xc0a80001, 0, 0, 0, 0xfffffffe]);
    expect(formatAddress(4, addr, 0)).toBe('192.168.0.1');
    expect(formatAddress(4, addr, 4)).toBe('255.255.255.254');
  });

  // RFC 5952 §4: the canonical text form.
  const cases: Array<[string, string, string]> = [
    ['§4.1 leading zeros suppressed', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['§4.2.1 the longest run is compressed', '2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['§4.2.2 a single zero group is not compressed', '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['§4.2.3 the longer of two runs', '2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['§4.2.3 the first of two equal runs', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['§4.3 lower case', '2001:DB8::AbCd', '2001:db8::abcd'],
    ['unspecified', '0:0:0:0:0:0:0:0', '::'],
    ['loopback', '0:0:0:0:0:0:0:1', '::1'],
    ['trailing run', 'fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['no zeros', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['§5 IPv4-mapped keeps the dotted quad', '::ffff:192.0.2.33', '::ffff:192.0.2.33'],
    ['high bits set in every group', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name}: ${input} → ${expected}`, () => {
      expect(formatAddress(6, words(input), 0)).toBe(expected);
    });
  }

  it('reads the destination from words 4..7', () => {
    const addr = new Uint32Array(8);
    addr.set(words('2001:db8::99').subarray(0, 4), 4);
    expect(formatAddress(6, addr, 4)).toBe('2001:db8::99');
    expect(formatAddress(6, addr, 0)).toBe('::');
  });
});
