import { describe, expect, it } from 'vitest';
import { dnsMessage, dnsName, frame } from '../../dev/packet-builder.js';
import { decode } from './support.js';

const overUdp = (payload: Buffer, sport = 40000, dport = 53) => frame().eth().ipv4({ src: '192.0.2.53', dst: '192.0.2.1' }).udp({ sport, dport, payload }).build();

/** DNS header: ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (RFC 1035 §4.1.1). */
function header(id: number, flags: number, qdcount = 1, ancount = 0): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qdcount, 4);
  h.writeUInt16BE(ancount, 6);
  return h;
}

const QTYPE_A_CLASS_IN = Buffer.from([0x00, 0x01, 0x00, 0x01]);

describe('DNS over UDP', () => {
  it('decodes a query header and its question', () => {
    const { pkt, anomalies } = decode(overUdp(dnsMessage({ id: 0xbeef, name: 'www.example.com', qtype: 28 })));
    expect(anomalies).toEqual({});
    expect(pkt.dns).toEqual({ id: 0xbeef, response: false, opcode: 0, rcode: 0, qdcount: 1, ancount: 0, qname: 'www.example.com', qtype: 28, qclass: 1 });
  });

  it('decodes a response with its RCODE and answer count (source port 53)', () => {
    const { pkt } = decode(overUdp(dnsMessage({ id: 7, name: 'nope.example', response: true, rcode: 3, answers: 2 }), 53, 40000));
    expect(pkt.dns).toMatchObject({ id: 7, response: true, rcode: 3, ancount: 2, qname: 'nope.example' });
  });

  it('reads the opcode', () => {
    const msg = Buffer.concat([header(1, 0x2800), dnsName('example.org'), Buffer.from([0, 6, 0, 1])]); // opcode 5 UPDATE, zone SOA
    expect(decode(overUdp(msg)).pkt.dns).toMatchObject({ opcode: 5, qname: 'example.org', qtype: 6 });
  });

  it('decodes mDNS on port 5353', () => {
    const { pkt } = decode(overUdp(dnsMessage({ id: 0, name: 'printer.local', qtype: 12 }), 5353, 5353));
    expect(pkt.dns).toMatchObject({ qname: 'printer.local', qtype: 12 });
  });

  it('leaves other ports alone', () => {
    expect(decode(overUdp(dnsMessage({ id: 1, name: 'a.b' }), 40000, 8053)).pkt.dns).toBeNull();
  });

  it('reads the root name as ""', () => {
    const msg = Buffer.concat([header(1, 0x0100), Buffer.from([0]), Buffer.from([0, 2, 0, 1])]);
    expect(decode(overUdp(msg)).pkt.dns).toMatchObject({ qname: '', qtype: 2 });
  });

  it('has a null name when there is no question', () => {
    const { pkt, anomalies } = decode(overUdp(header(9, 0x8180, 0, 0)));
    expect(anomalies).toEqual({});
    expect(pkt.dns).toMatchObject({ qdcount: 0, qname: null, qtype: -1 });
  });

  it('counts a message shorter than its header as truncated_dns_header', () => {
    const { pkt, anomalies } = decode(overUdp(Buffer.alloc(11)));
    expect(anomalies).toEqual({ truncated_dns_header: 1 });
    expect(pkt.dns).toBeNull();
    expect(pkt.l4).toBe(17);
  });
});

describe('DNS names', () => {
  // Byte layouts under test: offsets are from the start of the DNS message.
  it('follows compression pointers', () => {
    const msg = Buffer.concat([
      header(0x1234, 0x8180),
      Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 22]), // 12: "www", pointer → 22
      QTYPE_A_CLASS_IN, // 18: QTYPE A, QCLASS IN
      Buffer.from([4, 0x6d, 0x61, 0x69, 0x6c, 0xc0, 30]), // 22: "mail", pointer (27..28) → 30
      Buffer.from([0xff]), // 29: filler
      dnsName('example.com'), // 30: "example" "com" root
    ]);
    const { pkt, anomalies } = decode(overUdp(msg));
    expect(anomalies).toEqual({});
    expect(pkt.dns).toMatchObject({ qname: 'www.mail.example.com', qtype: 1, qclass: 1 });
  });

  it('reads QTYPE/QCLASS right after the first pointer, not after the name it points to', () => {
    const msg = Buffer.concat([
      header(1, 0),
      Buffer.from([0xc0, 18]), // 12: pointer → 18
      Buffer.from([0x00, 0x10, 0x00, 0x01]), // 14: QTYPE TXT, QCLASS IN
      dnsName('example.net'), // 18
    ]);
    expect(decode(overUdp(msg)).pkt.dns).toMatchObject({ qname: 'example.net', qtype: 16, qclass: 1 });
  });

  it('detects a pointer to itself as dns_compression_loop', () => {
    const msg = Buffer.concat([header(1, 0), Buffer.from([0xc0, 12]), QTYPE_A_CLASS_IN]); // 12: pointer → 12
    const { pkt, anomalies } = decode(overUdp(msg));
    expect(anomalies).toEqual({ dns_compression_loop: 1 });
    expect(pkt.dns).toMatchObject({ id: 1, qname: null });
  });

  it('detects a loop through labels and two pointers', () => {
    const msg = Buffer.concat([
      header(1, 0),
      Buffer.from([1, 0x61, 0xc0, 16]), // 12: "a", pointer → 16
      Buffer.from([1, 0x62, 0xc0, 12]), // 16: "b", pointer → 12
    ]);
    const { pkt, anomalies } = decode(overUdp(msg));
    expect(anomalies).toEqual({ dns_compression_loop: 1 });
    expect(pkt.dns!.qname).toBeNull();
  });

  it('escapes label bytes that are not printable ASCII as \\DDD, and "." and "\\"', () => {
    const msg = Buffer.concat([
      header(1, 0),
      Buffer.from([6, 0x00, 0x20, 0x2e, 0x5c, 0x41, 0xff]), // label: NUL, space, ".", "\", "A", 0xff
      Buffer.from([3, 0x63, 0x6f, 0x6d, 0]), // "com", root
      QTYPE_A_CLASS_IN,
    ]);
    expect(decode(overUdp(msg)).pkt.dns!.qname).toBe('\\000\\032\\.\\\\A\\255.com');
  });

  it('counts broken names as dns_malformed with a null name', () => {
    const cases: Array<[string, Buffer]> = [
      ['name running past the message', Buffer.from([7, 0x65, 0x78, 0x61])],
      ['no root label before the end', Buffer.from([1, 0x61])],
      ['pointer cut in half', Buffer.from([1, 0x61, 0xc0])],
      ['pointer beyond the message', Buffer.from([0xc0, 200])],
      ['extended label type 0b01', Buffer.from([0x41, 0, 0, 0, 0])],
      ['name longer than 255 bytes', Buffer.concat([Buffer.alloc(0), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x78)])), Buffer.from([0, 0, 1, 0, 1])])],
    ];
    for (const [, body] of cases) {
      const { pkt, anomalies } = decode(overUdp(Buffer.concat([header(1, 0), body])));
      expect(anomalies).toEqual({ dns_malformed: 1 });
      expect(pkt.dns!.qname).toBeNull();
    }
  });

  it('accepts a name of exactly 255 bytes', () => {
    // 3 labels of 63 + one of 61: (64 * 3) + 62 + root = 255.
    const labels = [63, 63, 63, 61].map((n) => Buffer.concat([Buffer.from([n]), Buffer.alloc(n, 0x78)]));
    const msg = Buffer.concat([header(1, 0), ...labels, Buffer.from([0]), QTYPE_A_CLASS_IN]);
    const { pkt, anomalies } = decode(overUdp(msg));
    expect(anomalies).toEqual({});
    expect(pkt.dns!.qname!.length).toBe(253);
  });

  it('keeps the name but counts dns_malformed when QTYPE/QCLASS are cut off', () => {
    const msg = Buffer.concat([header(1, 0), dnsName('example.com'), Buffer.from([0, 1])]);
    const { pkt, anomalies } = decode(overUdp(msg));
    expect(anomalies).toEqual({ dns_malformed: 1 });
    expect(pkt.dns).toMatchObject({ qname: 'example.com', qtype: -1, qclass: -1 });
  });
});
