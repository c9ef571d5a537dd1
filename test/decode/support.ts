/** Shared by the decoder tests: decode bytes as one frame and look at the result. */
import type { Frame } from '../../src/capture/types.js';
import { decodeFrame } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket, formatAddress, type Packet } from '../../src/decode/packet.js';

export const LINK_ETHERNET = 1;

/** A frame record around `data`, as a capture reader would hand it on. */
export function frameOf(data: Buffer, linkType = LINK_ETHERNET, number = 1): Frame {
  return { number, tsSec: 1_700_000_000, tsNsec: 250_000_000, linkType, interfaceId: 0, originalLength: data.length, data, offset: 0 };
}

/** The decoded packet and the anomalies counted while decoding it. */
export interface Decoded {
  pkt: Packet;
  anomalies: Record<string, number>;
}

/** Decode `data` as one frame of `linkType`. */
export function decode(data: Buffer, linkType = LINK_ETHERNET): Decoded {
  const pkt = createPacket();
  const counter = new AnomalyCounter();
  decodeFrame(frameOf(data, linkType), pkt, counter);
  return { pkt, anomalies: counter.toRecord() };
}

/** Source and destination of the decoded packet as text. */
export function addresses(pkt: Packet): [string, string] {
  return [formatAddress(pkt.ipVersion, pkt.addr, 0), formatAddress(pkt.ipVersion, pkt.addr, 4)];
}
