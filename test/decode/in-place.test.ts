/**
 * The reader hands the decoders each frame where it lies in its 1 MiB read buffer (no view per
 * frame). Decoding it there must give exactly what decoding a private copy of the frame gives:
 * a decoder that read past the frame's end would see the next record's bytes instead of
 * stopping. Checked frame by frame on every fixture and on the public corpus when present.
 */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import type { Frame } from '../../src/capture/types.js';
import { decodeFrame, isSupportedLinkType } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket, type Packet } from '../../src/decode/packet.js';
import { FIXTURES, PUBLIC_CAPTURES, capturesUnder } from '../helpers/fixtures.js';
import { canRun } from '../helpers/tools.js';
import { dnsMessage, frame } from '../../dev/packet-builder.js';

/** The packet's fields, offsets made relative to the frame's first byte (0 stays 0: a field never set). */
function facts(p: Packet, start: number): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'buf') continue;
    if (k === 'ipOffset' || k === 'tcpOptionsOffset' || k === 'payloadOffset') out[k] = v === 0 ? 0 : (v as number) - start;
    else if (v instanceof Uint32Array) out[k] = [...v];
    else out[k] = v;
  }
  return JSON.stringify(out);
}

async function compareCapture(file: string): Promise<{ frames: number; differ: string[] }> {
  const inPlace = createPacket();
  const copied = createPacket();
  const a1 = new AnomalyCounter();
  const a2 = new AnomalyCounter();
  const differ: string[] = [];
  let frames = 0;
  await readCapture(file, (frame: Frame) => {
    if (!isSupportedLinkType(frame.linkType)) return;
    frames++;
    expect(frame.bytes).toBeDefined();
    decodeFrame(frame, inPlace, a1);
    const alone: Frame = { number: frame.number, tsSec: frame.tsSec, tsNsec: frame.tsNsec, linkType: frame.linkType, interfaceId: frame.interfaceId, originalLength: frame.originalLength, data: Buffer.from(frame.data), offset: frame.offset };
    decodeFrame(alone, copied, a2);
    const x = facts(inPlace, frame.dataStart!);
    const y = facts(copied, 0);
    if (x !== y && differ.length < 3) differ.push(`frame ${frame.number}: ${x} != ${y}`);
  });
  expect(a1.toRecord()).toEqual(a2.toRecord());
  return { frames, differ };
}

describe('decoding a frame in the read buffer equals decoding a copy of it', () => {
  async function compareAll(files: readonly string[]): Promise<number> {
    let frames = 0;
    for (const f of files) {
      let r: { frames: number; differ: string[] };
      try {
        r = await compareCapture(f);
      } catch (e) {
        // Captures that cannot be read at all (the malformed ones) have nothing to compare.
        if ((e as Error).name === 'CaptureError') continue;
        throw e;
      }
      expect(r.differ, f).toEqual([]);
      frames += r.frames;
    }
    return frames;
  }

  const fixtures = capturesUnder(FIXTURES);
  it(`on the ${fixtures.length} fixture captures`, async () => {
    // Every fixture has frames: a count below the number of files means some were skipped.
    expect(await compareAll(fixtures)).toBeGreaterThan(fixtures.length);
  }, 120_000);

  const corpus = canRun('the public capture corpus', existsSync(PUBLIC_CAPTURES), `expected at ${PUBLIC_CAPTURES}`);
  it.runIf(corpus)('on the public corpus', async () => {
    expect(await compareAll(capturesUnder(PUBLIC_CAPTURES))).toBeGreaterThan(1000);
  }, 120_000);
});

/** A frame of each link type the decoders know, with VLAN tags, IPv6 extensions, ICMP quotes. */
const SAMPLES: Array<[number, Buffer]> = [
  [1, frame().eth({ vlans: [10, 20] }).ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 1, dport: 2, options: { mss: 1460, sackPermitted: true }, payload: 40 }).build()],
  [1, frame().eth().ipv6({ src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ type: 0 }] }).udp({ sport: 53, dport: 3000, payload: dnsMessage({ id: 1, name: 'a.example', answers: 1 }) }).build()],
  [113, frame().sll().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).icmp({ type: 3, code: 3, quote: frame().ipv4({ src: '10.0.0.2', dst: '10.0.0.1' }).udp({ sport: 5, dport: 53, payload: 4 }).buildIp() }).build()],
  [276, frame().sll2().ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }).icmpv6({ type: 1, code: 4, quote: frame().ipv6({ src: '2001:db8::2', dst: '2001:db8::1' }).tcp({ sport: 5, dport: 6 }).buildIp() }).build()],
  [0, frame().null().ipv4({ src: '127.0.0.1', dst: '127.0.0.1' }).udp({ sport: 5353, dport: 5353, payload: dnsMessage({ id: 2, name: 'x.local' }) }).build()],
  [108, frame().null({ bigEndian: true }).ipv6({ src: '::1', dst: '::1' }).tcp({ sport: 1, dport: 2 }).build()],
  [9, frame().ppp().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 1, dport: 2, payload: 8 }).build()],
  [101, frame().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).tcp({ sport: 1, dport: 2 }).buildIp()],
];

describe('frames cut anywhere and followed by other bytes decode as their copies do', () => {
  it('every link type, every cut, any bytes after the frame', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SAMPLES.length - 1 }), fc.nat(), fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 200 }), (which, cutSeed, before, after) => {
        const [linkType, whole] = SAMPLES[which]!;
        const data = whole.subarray(0, cutSeed % (whole.length + 1));
        const bytes = Buffer.concat([Buffer.from(before), data, Buffer.from(after)]);
        const common = { number: 1, tsSec: 1, tsNsec: 0, linkType, interfaceId: 0, originalLength: whole.length, offset: 0 };
        const inPlace = createPacket();
        const copied = createPacket();
        const a1 = new AnomalyCounter();
        const a2 = new AnomalyCounter();
        decodeFrame({ ...common, bytes, dataStart: before.length, dataEnd: before.length + data.length, data: bytes.subarray(before.length, before.length + data.length) }, inPlace, a1);
        decodeFrame({ ...common, data: Buffer.from(data) }, copied, a2);
        expect(facts(inPlace, before.length)).toBe(facts(copied, 0));
        expect(a1.toRecord()).toEqual(a2.toRecord());
      }),
      { numRuns: 3000 },
    );
  });
});
