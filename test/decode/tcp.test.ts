import { describe, expect, it } from 'vitest';
import { decodeTcpOptions } from '../../src/decode/index.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/decode/packet.js';
import { frame } from '../../dev/packet-builder.js';
import { decode } from './support.js';

const SRC = '10.1.2.3';
const DST = '10.9.8.7';

describe('TCP header', () => {
  it('reads ports, unsigned seq/ack, flags, window and the payload', () => {
    const { pkt, anomalies } = decode(
      frame().eth().ipv4({ src: SRC, dst: DST }).tcp({ sport: 65535, dport: 1, seq: 0xfffffff0, ack: 0x80000001, flags: ['PSH', 'ACK'], window: 29200, payload: 'hello' }).build(),
    );
    expect(anomalies).toEqual({});
    expect(pkt.l4).toBe(6);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([65535, 1]);
    expect(pkt.tcpSeq).toBe(0xfffffff0);
    expect(pkt.tcpAck).toBe(0x80000001);
    expect(pkt.tcpFlags).toBe(TCP_PSH | TCP_ACK);
    expect(pkt.tcpWindow).toBe(29200);
    expect([pkt.tcpOptionsOffset, pkt.tcpOptionsLength]).toEqual([54, 0]);
    expect([pkt.payloadOffset, pkt.payloadLength, pkt.wirePayloadLength]).toEqual([54, 5, 5]);
  });

  it('reads the NS bit as 0x100 alongside CWR/ECE', () => {
    const { pkt } = decode(frame().eth().ipv4({ src: SRC, dst: DST }).tcp({ sport: 1, dport: 2, flags: 0x100 | TCP_CWR | TCP_ECE | TCP_SYN }).build());
    expect(pkt.tcpFlags).toBe(0x1c2);
  });

  it('locates the options and decodes them', () => {
    const { pkt } = decode(
      frame().eth().ipv4({ src: SRC, dst: DST }).tcp({ sport: 1, dport: 2, flags: ['SYN'], options: { mss: 1460, sackPermitted: true, timestamps: [4294967295, 7], wscale: 7 } }).build(),
    );
    expect([pkt.tcpOptionsOffset, pkt.tcpOptionsLength]).toEqual([54, 20]);
    expect(pkt.payloadOffset).toBe(74);
    expect(decodeTcpOptions(pkt.buf, pkt.tcpOptionsOffset, pkt.tcpOptionsLength)).toEqual({
      mss: 1460,
      sackPermitted: true,
      tsVal: 4294967295,
      tsEcr: 7,
      wscale: 7,
      malformed: false,
    });
  });

  it('counts a data offset below 5 as bad_tcp_header_len', () => {
    const data = frame().eth().ipv4({ src: SRC, dst: DST }).tcp({ sport: 1, dport: 2, payload: 8 }).build();
    data[14 + 20 + 12] = 0x40; // data offset 4 words
    const { pkt, anomalies } = decode(data);
    expect(anomalies).toEqual({ bad_tcp_header_len: 1 });
    expect(pkt.l4).toBe(0);
    expect(pkt.srcPort).toBe(-1);
  });

  it('keeps the fixed header when options are cut off by the snaplen', () => {
    const data = frame().eth().ipv4({ src: SRC, dst: DST }).tcp({ sport: 1, dport: 2, flags: ['SYN'], options: { mss: 1400, sackPermitted: true, timestamps: [1, 2], wscale: 2 } }).build();
    const { pkt, anomalies } = decode(data.subarray(0, 64));
    expect(anomalies).toEqual({ truncated_tcp_header: 1 });
    expect(pkt.l4).toBe(6);
    expect(pkt.tcpFlags).toBe(TCP_SYN);
    expect([pkt.tcpOptionsOffset, pkt.tcpOptionsLength]).toEqual([54, 10]);
    expect(pkt.payloadLength).toBe(0);
    expect(decodeTcpOptions(pkt.buf, pkt.tcpOptionsOffset, pkt.tcpOptionsLength)).toEqual({ mss: 1400, sackPermitted: true, malformed: true });
  });
});

describe('truncation at every length of an Ethernet/IPv4/TCP frame', () => {
  const full = frame()
    .eth()
    .ipv4({ src: SRC, dst: DST })
    .tcp({ sport: 443, dport: 50000, seq: 1, ack: 2, flags: ['FIN', 'ACK'], options: { mss: 1460, sackPermitted: true, timestamps: [1, 2], wscale: 7 }, payload: 'ten bytes!' })
    .build();

  it('is 84 bytes: 14 Ethernet + 20 IPv4 + 40 TCP + 10 data', () => {
    expect(full.length).toBe(84);
  });

  for (let len = 0; len <= full.length; len++) {
    const expected = len < 14 ? 'truncated_ethernet_header' : len < 34 ? 'truncated_ip_header' : len < 74 ? 'truncated_tcp_header' : null;
    it(`${len} bytes: ${expected ?? 'no anomaly'}`, () => {
      const { pkt, anomalies } = decode(Buffer.from(full.subarray(0, len)));
      expect(anomalies).toEqual(expected ? { [expected]: 1 } : {});
      expect(pkt.ipVersion).toBe(len < 34 ? 0 : 4);
      expect(pkt.l4).toBe(len < 54 ? 0 : 6);
      if (len >= 54) {
        expect(pkt.tcpFlags).toBe(TCP_FIN | TCP_ACK);
        expect(pkt.payloadLength).toBe(Math.max(0, len - 74));
        expect(pkt.wirePayloadLength).toBe(10);
      }
      expect(pkt.payloadOffset + pkt.payloadLength).toBeLessThanOrEqual(len);
    });
  }
});

describe('decodeTcpOptions', () => {
  // Byte layouts under test: each option's kind, length and value are annotated.
  it('reads SACK blocks', () => {
    const opts = Buffer.from([
      1, 1, // NOP NOP
      5, 18, // SACK, 2 blocks
      0, 0, 0, 100, 0, 0, 0, 200, // left 100, right 200
      0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 16, // left 2^32-16, right 16 (wrapped)
    ]);
    expect(decodeTcpOptions(opts, 0, opts.length)).toEqual({
      sackPermitted: false,
      sackBlocks: [
        [100, 200],
        [0xfffffff0, 16],
      ],
      malformed: false,
    });
  });

  it('stops at EOL', () => {
    const opts = Buffer.from([0, 2, 4, 5, 180]); // EOL, then what would be MSS 1460
    expect(decodeTcpOptions(opts, 0, opts.length)).toEqual({ sackPermitted: false, malformed: false });
  });

  it('skips unknown kinds by their length', () => {
    const opts = Buffer.from([30, 4, 0xaa, 0xbb, 3, 3, 14, 0]); // MPTCP (4 bytes), window scale 14, EOL
    expect(decodeTcpOptions(opts, 0, opts.length)).toEqual({ wscale: 14, sackPermitted: false, malformed: false });
  });

  it('marks a length of 0 or 1 malformed and stops', () => {
    for (const len of [0, 1]) {
      const opts = Buffer.from([2, len, 1, 1, 4, 2]); // MSS with length 0/1, then SACK-permitted
      expect(decodeTcpOptions(opts, 0, opts.length)).toEqual({ sackPermitted: false, malformed: true });
    }
  });

  it('marks an option running past the options area malformed', () => {
    const opts = Buffer.from([4, 2, 8, 10, 0, 0, 0, 1]); // SACK-permitted, timestamps needing 10 bytes in 6
    expect(decodeTcpOptions(opts, 0, opts.length)).toEqual({ sackPermitted: true, malformed: true });
    expect(decodeTcpOptions(Buffer.from([4, 2, 2]), 0, 3)).toEqual({ sackPermitted: true, malformed: true }); // kind without length byte
  });

  it('marks a known kind with the wrong length malformed but goes on', () => {
    const opts = Buffer.from([2, 3, 5, 4, 2]); // MSS with length 3, SACK-permitted
    expect(decodeTcpOptions(opts, 0, opts.length)).toEqual({ sackPermitted: true, malformed: true });
  });

  it('never reads beyond the buffer whatever the offset and length say', () => {
    const opts = Buffer.from([2, 4, 5]);
    expect(decodeTcpOptions(opts, 0, 40)).toEqual({ sackPermitted: false, malformed: true });
    expect(decodeTcpOptions(opts, 10, 4)).toEqual({ sackPermitted: false, malformed: false });
    expect(decodeTcpOptions(opts, -2, 4)).toEqual({ sackPermitted: false, malformed: true });
  });
});
