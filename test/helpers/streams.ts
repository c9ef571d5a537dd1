/**
 * Runs the reader, decoders and flow table over a capture and records, per frame, the
 * tcp.stream / udp.stream index we assign, for comparison with tshark.
 */
import { readCapture } from '../../src/capture/reader.js';
import { decodeFrame, isSupportedLinkType } from '../../src/decode/index.js';
import { AnomalyCounter, createPacket } from '../../src/decode/packet.js';
import { FlowTable } from '../../src/flow/table.js';

/** frame number → stream index, for TCP and UDP frames (ICMP errors excluded). */
export interface FrameStreams {
  tcp: Map<number, number>;
  udp: Map<number, number>;
}

/** The same for records written to an in-memory pcap. */
export async function streamsPerFrameOfRecords(records: import('../../dev/pcap-writer.js').WriterRecord[]): Promise<FrameStreams> {
  const { writePcap } = await import('../../dev/pcap-writer.js');
  const { Readable } = await import('node:stream');
  return streamsPerFrame(Readable.from([writePcap(records)]));
}

export async function streamsPerFrame(file: string | import('node:stream').Readable): Promise<FrameStreams> {
  const out: FrameStreams = { tcp: new Map(), udp: new Map() };
  const pkt = createPacket();
  const anomalies = new AnomalyCounter();
  const table = new FlowTable(() => undefined, { maxFlows: 10_000_000 });
  await readCapture(file, (frame) => {
    if (!isSupportedLinkType(frame.linkType)) return;
    decodeFrame(frame, pkt, anomalies);
    table.advance(pkt.time);
    if (pkt.l4 === 6) out.tcp.set(pkt.frame, table.tcp(pkt).stream);
    else if (pkt.l4 === 17) out.udp.set(pkt.frame, table.udp(pkt).stream);
    else if ((pkt.l4 === 1 || pkt.l4 === 58) && pkt.quoted) table.icmpError(pkt, pkt.quoted);
  });
  return out;
}
