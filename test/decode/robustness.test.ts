import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODE_ANOMALIES, decodeFrame, decodeTcpOptions, isSupportedLinkType } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket, type Packet } from '../../src/decode/packet.js';
import { dnsMessage, frame } from '../../dev/packet-builder.js';
import { frameOf } from './support.js';

const SUPPORTED = [0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276].filter(isSupportedLinkType);

/** Valid frames of each shape the decoders know, to mutate. */
const SAMPLES: Array<[number, Buffer]> = [
  [1, frame().eth({ vlans: [10, 20] }).ipv4({ src: '10.0.0.1', dst: '10.0.0.2', options: Buffer.from([1, 1, 1, 0]) }).tcp({ sport: 1, dport: 2, options: { mss: 1460, sackPermitted: true, timestamps: [1, 2], wscale: 7 }, payload: 4 }).build()],
  [1, frame().eth().ipv6({ src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ type: 0 }, { type: 44, body: Buffer.from([0, 1, 0, 0, 0, 1]) }] }).udp({ sport: 53, dport: 3000, payload: dnsMessage({ id: 1, name: 'a.example', answers: 1 }) }).build()],
  [113, frame().sll().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).icmp({ type: 3, code: 3, quote: frame().ipv4({ src: '10.0.0.2', dst: '10.0.0.1' }).udp({ sport: 5, dport: 53, payload: 4 }).buildIp() }).build()],
  [276, frame().sll2().ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).icmpv6({ type: 1, code: 4, quote: frame().ipv6({ src: '2001:db8::2', dst: '2001:db8::1', extensions: [{ type: 60 }] }).tcp({ sport: 5, dport: 6 }).buildIp() }).build()],
  [0, frame().null().ipv4({ src: '127.0.0.1', dst: '127.0.0.1' }).udp({ sport: 5353, dport: 5353, payload: dnsMessage({ id: 2, name: 'x.local' }) }).build()],
  [9, frame().ppp().ipv4({ src: '10.0.0.1', dst: '10.0.0.2', mf: true }).tcp({ sport: 1, dport: 2 }).build()],
  [101, frame().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 1, dport: 2 }).buildIp()],
];

/** Everything a decoded packet promises, whatever the input bytes were. */
function expectConsistent(pkt: Packet, counter: AnomalyCounter): void {
  const len = pkt.buf.length;
  expect(pkt.payloadOffset).toBeGreaterThanOrEqual(0);
  expect(pkt.payloadLength).toBeGreaterThanOrEqual(0);
  expect(pkt.payloadOffset + pkt.payloadLength).toBeLessThanOrEqual(Math.max(len, pkt.payloadOffset));
  expect(pkt.wirePayloadLength).toBeGreaterThanOrEqual(pkt.payloadLength);
  expect([0, 4, 6]).toContain(pkt.ipVersion);
  expect([0, 1, 6, 17, 58]).toContain(pkt.l4);
  if (pkt.l4 === 6 || pkt.l4 === 17) {
    expect(pkt.srcPort).toBeGreaterThanOrEqual(0);
    expect(pkt.isNonFirstFragment).toBe(false);
  } else {
    expect(pkt.srcPort).toBe(-1);
  }
  if (pkt.l4 === 6) expect(pkt.tcpOptionsOffset + pkt.tcpOptionsLength).toBeLessThanOrEqual(len);
  for (const name of counter.counts.keys()) expect(Object.keys(DECODE_ANOMALIES)).toContain(name);
}

function decodeChecked(data: Buffer, linkType: number): void {
  const pkt = createPacket();
  const counter = new AnomalyCounter();
  decodeFrame(frameOf(data, linkType), pkt, counter);
  expectConsistent(pkt, counter);
  if (pkt.l4 === 6) decodeTcpOptions(pkt.buf, pkt.tcpOptionsOffset, pkt.tcpOptionsLength);
}

describe('decoders never throw', () => {
  it('on random bytes for every supported link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUPPORTED), fc.uint8Array({ maxLength: 120 }), (linkType, bytes) => {
        decodeChecked(Buffer.from(bytes), linkType);
      }),
      { numRuns: 3000 },
    );
  });

  it('on every prefix of every sample frame', () => {
    for (const [linkType, data] of SAMPLES) {
      for (let len = 0; len <= data.length; len++) decodeChecked(Buffer.from(data.subarray(0, len)), linkType);
    }
  });

  it('on sample frames with random bytes overwritten', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        ([linkType, original], edits, cut) => {
          const data = Buffer.from(original);
          for (const [at, value] of edits) data[at % data.length] = value;
          decodeChecked(data.subarray(0, data.length - (cut % 8)), linkType);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('anomaly catalogue', () => {
  it('lists exactly the anomaly names the decoders use', () => {
    const dir = fileURLToPath(new URL('../../src/decode/', import.meta.url));
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'anomalies.ts')) {
      const text = readFileSync(dir + file, 'utf8');
      for (const m of text.matchAll(/(?:anomalies\.add\(|error = |_ANOMALY = )'([a-z0-9_]+)'/g)) used.add(m[1]!);
    }
    expect([...used].sort()).toEqual(Object.keys(DECODE_ANOMALIES).sort());
  });
});
