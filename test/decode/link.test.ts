import { describe, expect, it } from 'vitest';
import { decodeFrame, isSupportedLinkType, linkTypeName } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { dnsMessage, frame } from '../../dev/packet-builder.js';
import { addresses, decode, frameOf } from './support.js';

const tcpV4 = () => frame().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] });
const tcpV6 = () => frame().ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] });

/** Expect an IPv4 TCP SYN 192.0.2.1:40000 → 198.51.100.7:443 with no anomalies. */
function expectTcpV4(data: Buffer, linkType: number, ipOffset: number): void {
  const { pkt, anomalies } = decode(data, linkType);
  expect(anomalies).toEqual({});
  expect(pkt.ipVersion).toBe(4);
  expect(pkt.ipOffset).toBe(ipOffset);
  expect(addresses(pkt)).toEqual(['192.0.2.1', '198.51.100.7']);
  expect(pkt.l4).toBe(6);
  expect([pkt.srcPort, pkt.dstPort]).toEqual([40000, 443]);
}

function expectTcpV6(data: Buffer, linkType: number, ipOffset: number): void {
  const { pkt, anomalies } = decode(data, linkType);
  expect(anomalies).toEqual({});
  expect(pkt.ipVersion).toBe(6);
  expect(pkt.ipOffset).toBe(ipOffset);
  expect(addresses(pkt)).toEqual(['2001:db8::1', '2001:db8::2']);
  expect(pkt.l4).toBe(6);
  expect([pkt.srcPort, pkt.dstPort]).toEqual([40000, 443]);
}

describe('frame metadata', () => {
  it('copies number, timestamps, link type and lengths from the frame', () => {
    const data = frame().eth().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build();
    const pkt = createPacket();
    decodeFrame({ ...frameOf(data, 1, 17), tsSec: 1_600_000_000, tsNsec: 123_456_789, originalLength: 1514 }, pkt, new AnomalyCounter());
    expect(pkt.frame).toBe(17);
    expect(pkt.tsSec).toBe(1_600_000_000);
    expect(pkt.tsNsec).toBe(123_456_789);
    expect(pkt.time).toBe(1_600_000_000 + 123_456_789 / 1e9);
    expect(pkt.linkType).toBe(1);
    expect(pkt.originalLength).toBe(1514);
    expect(pkt.buf).toBe(data);
  });

  it('resets every field of a reused packet', () => {
    const pkt = createPacket();
    const counter = new AnomalyCounter();
    decodeFrame(frameOf(frame().eth({ vlans: [5, 6] }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).udp({ sport: 5353, dport: 53, payload: dnsMessage({ id: 1, name: 'a.example' }) }).build()), pkt, counter);
    expect(pkt.dns).not.toBeNull();
    decodeFrame(frameOf(Buffer.alloc(0), 1, 2), pkt, counter);
    const fresh = createPacket();
    expect({ ...pkt, buf: null, frame: 0, tsSec: 0, tsNsec: 0, time: 0, originalLength: 0, linkType: 0 }).toEqual({ ...fresh, buf: null });
  });
});

describe('Ethernet (LINKTYPE_ETHERNET 1)', () => {
  it('decodes IPv4 and IPv6 behind an untagged header', () => {
    expectTcpV4(frame().eth().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 1, 14);
    expectTcpV6(frame().eth().ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 1, 14);
  });

  it('keeps no VLAN ids for an untagged frame', () => {
    const { pkt } = decode(frame().eth().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build());
    expect([pkt.vlanOuter, pkt.vlanInner]).toEqual([-1, -1]);
  });

  it('keeps the 802.1Q VLAN id', () => {
    const data = frame().eth({ vlans: [100] }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build();
    expectTcpV4(data, 1, 18);
    const { pkt } = decode(data);
    expect([pkt.vlanOuter, pkt.vlanInner]).toEqual([100, -1]);
  });

  it('keeps both QinQ ids, the first tag as the outer one (802.1ad 0x88a8 and legacy 0x9100)', () => {
    for (const tpid of [0x88a8, 0x9100, 0x8100]) {
      const data = frame().eth({ vlans: [300, 42], qinqOuterTpid: tpid }).ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build();
      expectTcpV6(data, 1, 22);
      const { pkt } = decode(data);
      expect([pkt.vlanOuter, pkt.vlanInner]).toEqual([300, 42]);
    }
  });

  it('reads the 12-bit VID only (priority bits ignored)', () => {
    const data = frame().eth({ vlans: [7] }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build();
    data[14] = 0xa0; // PCP 5, DEI 0, VID high nibble 0
    expect(decode(data).pkt.vlanOuter).toBe(7);
  });

  it('counts a VLAN tag cut off as truncated_vlan_tag', () => {
    const data = frame().eth({ vlans: [100] }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build();
    const { pkt, anomalies } = decode(data.subarray(0, 16));
    expect(anomalies).toEqual({ truncated_vlan_tag: 1 });
    expect(pkt.ipVersion).toBe(0);
  });

  it('leaves non-IP ethertypes (ARP) and 802.3 length frames undecoded, without anomalies', () => {
    const arp = frame().eth().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build();
    arp.writeUInt16BE(0x0806, 12);
    const llc = Buffer.from(arp);
    llc.writeUInt16BE(46, 12); // 802.3: a length, not an ethertype
    for (const data of [arp, llc]) {
      const { pkt, anomalies } = decode(data);
      expect(anomalies).toEqual({});
      expect(pkt.ipVersion).toBe(0);
      expect(pkt.l4).toBe(0);
      expect(pkt.payloadLength).toBe(0);
    }
  });

  it('counts bad_ip_version when the ethertype says IPv4 but the header is IPv6', () => {
    const data = frame().eth().ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 1, dport: 2 }).build();
    data.writeUInt16BE(0x0800, 12);
    const { pkt, anomalies } = decode(data);
    expect(anomalies).toEqual({ bad_ip_version: 1 });
    expect(pkt.ipVersion).toBe(0);
  });
});

describe('Linux cooked capture', () => {
  it('SLL (113) carries IPv4 and IPv6', () => {
    expectTcpV4(frame().sll().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 113, 16);
    expectTcpV6(frame().sll({ packetType: 4 }).ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 113, 16);
  });

  it('SLL2 (276) carries IPv4 and IPv6', () => {
    expectTcpV4(frame().sll2({ ifindex: 3 }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 276, 20);
    expectTcpV6(frame().sll2().ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 276, 20);
  });

  it('counts short headers as truncated_sll_header / truncated_sll2_header', () => {
    expect(decode(Buffer.alloc(15), 113).anomalies).toEqual({ truncated_sll_header: 1 });
    expect(decode(Buffer.alloc(19), 276).anomalies).toEqual({ truncated_sll2_header: 1 });
  });

  it('does not read netlink captures (ARPHRD_NETLINK) as IP', () => {
    const data = frame().sll().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build();
    data.writeUInt16BE(824, 2);
    const { pkt, anomalies } = decode(data, 113);
    expect(anomalies).toEqual({});
    expect(pkt.ipVersion).toBe(0);
  });

  it('walks a VLAN tag left in the SLL payload', () => {
    // Byte layout under test: SLL header announcing 802.1Q, then the tag, then IPv4.
    const ip = tcpV4().buildIp();
    const sll = Buffer.alloc(16);
    sll.writeUInt16BE(0, 0); // packet type: to us
    sll.writeUInt16BE(1, 2); // ARPHRD_ETHER
    sll.writeUInt16BE(6, 4); // address length
    sll.writeUInt16BE(0x8100, 14); // protocol: 802.1Q tag follows
    const tag = Buffer.from([0x00, 0x0a, 0x08, 0x00]); // TCI: VID 10; inner type IPv4
    const data = Buffer.concat([sll, tag, ip]);
    expectTcpV4(data, 113, 20);
    expect(decode(data, 113).pkt.vlanOuter).toBe(10);
  });
});

describe('BSD loopback', () => {
  it('NULL (0) reads the family in either byte order', () => {
    for (const bigEndian of [false, true]) {
      expectTcpV4(frame().null({ bigEndian }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 0, 4);
      for (const family of [10, 23, 24, 28, 30]) {
        expectTcpV6(frame().null({ family, bigEndian }).ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 0, 4);
      }
    }
  });

  it('NULL with an unknown family is not decoded and not an anomaly', () => {
    const { pkt, anomalies } = decode(frame().null({ family: 7 }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build(), 0);
    expect(anomalies).toEqual({});
    expect(pkt.ipVersion).toBe(0);
  });

  it('LOOP (108) reads the family in network byte order only', () => {
    expectTcpV4(frame().null({ bigEndian: true }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 108, 4);
    expectTcpV6(frame().null({ family: 24, bigEndian: true }).ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), 108, 4);
    const littleEndian = frame().null({ bigEndian: false }).ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build();
    expect(decode(littleEndian, 108).pkt.ipVersion).toBe(0);
  });

  it('counts a header shorter than 4 bytes as truncated_loopback_header', () => {
    expect(decode(Buffer.from([2, 0, 0]), 0).anomalies).toEqual({ truncated_loopback_header: 1 });
    expect(decode(Buffer.alloc(0), 108).anomalies).toEqual({ truncated_loopback_header: 1 });
  });
});

describe('PPP (9, 50)', () => {
  it('decodes IPv4 and IPv6 after ff 03 and the protocol field', () => {
    for (const linkType of [9, 50]) {
      expectTcpV4(frame().ppp().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), linkType, 4);
      expectTcpV6(frame().ppp().ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).tcp({ sport: 40000, dport: 443, flags: ['SYN'] }).build(), linkType, 4);
    }
  });

  it('accepts omitted address/control and a compressed one-byte protocol', () => {
    const ip = tcpV4().buildIp();
    expectTcpV4(Buffer.concat([Buffer.from([0x00, 0x21]), ip]), 9, 2); // protocol 0x0021, no ff 03
    expectTcpV4(Buffer.concat([Buffer.from([0xff, 0x03, 0x21]), ip]), 9, 3); // ff 03, compressed 0x21
    expectTcpV4(Buffer.concat([Buffer.from([0x21]), ip]), 50, 1); // compressed protocol alone
  });

  it('leaves other PPP protocols (LCP 0xc021) undecoded', () => {
    const { pkt, anomalies } = decode(Buffer.from([0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04]), 9);
    expect(anomalies).toEqual({});
    expect(pkt.ipVersion).toBe(0);
  });

  it('counts a frame too short for the protocol field as truncated_ppp_header', () => {
    expect(decode(Buffer.from([0xff, 0x03]), 9).anomalies).toEqual({ truncated_ppp_header: 1 });
    expect(decode(Buffer.from([0xff, 0x03, 0x00]), 9).anomalies).toEqual({ truncated_ppp_header: 1 });
    expect(decode(Buffer.alloc(0), 50).anomalies).toEqual({ truncated_ppp_header: 1 });
  });
});

describe('raw IP (101, 228, 229, 12, 14)', () => {
  it('chooses IPv4 or IPv6 by the version nibble', () => {
    for (const linkType of [101, 228, 229, 12, 14]) {
      expectTcpV4(tcpV4().buildIp(), linkType, 0);
      expectTcpV6(tcpV6().buildIp(), linkType, 0);
    }
  });

  it('counts another version nibble as bad_ip_version and an empty frame as truncated_ip_header', () => {
    expect(decode(Buffer.from([0x50, 0, 0, 0]), 101).anomalies).toEqual({ bad_ip_version: 1 });
    expect(decode(Buffer.alloc(0), 101).anomalies).toEqual({ truncated_ip_header: 1 });
  });
});

describe('unsupported link types', () => {
  it('are left undecoded and not counted per frame', () => {
    const { pkt, anomalies } = decode(frame().eth().ipv4({ src: '192.0.2.1', dst: '198.51.100.7' }).tcp({ sport: 1, dport: 2 }).build(), 127);
    expect(anomalies).toEqual({});
    expect(pkt.ipVersion).toBe(0);
    expect(pkt.l4).toBe(0);
    expect(pkt.frame).toBe(1);
  });

  it('isSupportedLinkType lists exactly the decoded ones', () => {
    const supported = [];
    for (let t = 0; t < 300; t++) if (isSupportedLinkType(t)) supported.push(t);
    expect(supported).toEqual([0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276]);
    expect(isSupportedLinkType(-1)).toBe(false);
    expect(isSupportedLinkType(0x10000001)).toBe(false);
  });
});

describe('linkTypeName', () => {
  it('uses the libpcap names', () => {
    const names = Object.fromEntries([0, 1, 9, 50, 101, 105, 108, 113, 127, 228, 229, 274, 276].map((t) => [t, linkTypeName(t)]));
    expect(names).toEqual({
      0: 'NULL',
      1: 'EN10MB',
      9: 'PPP',
      50: 'PPP_HDLC',
      101: 'RAW',
      105: 'IEEE802_11',
      108: 'LOOP',
      113: 'LINUX_SLL',
      127: 'IEEE802_11_RADIOTAP',
      228: 'IPV4',
      229: 'IPV6',
      274: 'ETHERNET_MPACKET',
      276: 'LINUX_SLL2',
    });
  });

  it('names unknown link types LINKTYPE_<n>', () => {
    expect(linkTypeName(300)).toBe('LINKTYPE_300');
    expect(linkTypeName(147)).toBe('LINKTYPE_147');
  });
});
