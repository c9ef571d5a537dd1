/**
 * A UDP exchange (Wireshark's `udp.stream`): datagrams between two endpoints, the ICMP errors
 * that quoted them, and the DNS transactions they carried.
 */
import type { DnsMessage, Packet } from '../decode/packet.js';
import type { FlowKeyView } from './key.js';
import { BaseFlow, EMPTY_LIST, MAX_TRACKED_EVENTS } from './flow.js';
import { LOG_FROM_A, LOG_UDP_DNS, LOG_UDP_DNS_RCODE_UNIT, LOG_UDP_DNS_RESPONSE, LOG_UDP_LENGTH_UNIT } from './packet-log.js';

/** SQL Server Browser (SSRP, [MC-SQLR]): the only UDP port whose datagram bytes are kept. */
export const SQL_BROWSER_PORT = 1434;
/** Datagrams kept per exchange, and bytes kept of each. */
export const MAX_KEPT_DATAGRAMS = 4;
export const MAX_KEPT_DATAGRAM_BYTES = 2048;

/** A copy of the first bytes of one datagram. */
export interface KeptDatagram {
  frame: number;
  time: number;
  fromClient: boolean;
  /** Payload length on the wire (the copy may be shorter). */
  length: number;
  bytes: Uint8Array;
}

/** At most this many distinct DNS questions are tracked per exchange. */
export const MAX_DNS_TRANSACTIONS = 256;

/** One side of a UDP exchange. */
export class UdpEndpoint {
  packets = 0;
  bytes = 0;
  frames: number[] = EMPTY_LIST;
  times: number[] = EMPTY_LIST;
  constructor(
    readonly address: string,
    readonly port: number,
  ) {}
}

/** A DNS question asked in this exchange and what came back. */
export interface DnsTransaction {
  qname: string;
  qtype: number;
  queries: Array<{ frame: number; time: number; id: number }>;
  responses: Array<{ frame: number; time: number; id: number; rcode: number; answers: number }>;
}

/** A UDP exchange between two endpoints. */
export class UdpExchange extends BaseFlow<UdpEndpoint> {
  readonly kind = 'udp';
  /** DNS transactions keyed by "qtype name" (bounded). */
  dns: Map<string, DnsTransaction> | null = null;
  /** The first datagrams' bytes, for SQL Server Browser exchanges only (bounded). */
  datagrams: KeptDatagram[] | null = null;


  constructor(stream: number, key: FlowKeyView, frame: number, tsSec: number, tsNsec: number, time: number, aAddress: string, bAddress: string) {
    // The client is the first sender, unless it sends from a well-known port to an ephemeral one
    // (the capture began with a response).
    const aIsClient = !(key.srcPort < 1024 && key.dstPort >= 1024);
    super(stream, key, new UdpEndpoint(aAddress, key.srcPort), new UdpEndpoint(bAddress, key.dstPort), aIsClient, frame, tsSec, tsNsec, time);
  }

  /** An exchange brought back from its tombstone keeps its client. */
  restoreOrientation(clientIsA: boolean): void {
    this.orient(clientIsA);
  }

  /** Account one datagram. */
  update(frame: number, tsSec: number, tsNsec: number, time: number, length: number, fromA: boolean, dns: DnsMessage | null): void {
    const fromClient = fromA === this.clientIsA;
    const snd = fromClient ? this.client : this.server;
    if (!fromA) this.bSeen = true;
    this.packets++;
    this.lastFrame = frame;
    if (time > this.lastTime) this.lastTime = time;
    this.endSec = tsSec;
    this.endNsec = tsNsec;
    snd.packets++;
    snd.bytes += length;
    if (snd.frames.length === 0) {
      // A literal holds exactly one element; a push into [] reserves 17.
      snd.frames = [frame];
      snd.times = [time];
    } else if (snd.frames.length < MAX_TRACKED_EVENTS) {
      snd.frames.push(frame);
      snd.times.push(time);
    }
    if (dns && dns.qname !== null) this.trackDns(frame, time, dns);
    // The ladder's facts about this datagram (see PacketLog); no allocation per packet.
    const facts = (fromA ? LOG_FROM_A : 0) | (dns ? LOG_UDP_DNS | (dns.response ? LOG_UDP_DNS_RESPONSE : 0) | (dns.rcode & 15) * LOG_UDP_DNS_RCODE_UNIT : 0);
    this.log.record(frame, time, facts + length * LOG_UDP_LENGTH_UNIT);
  }

  /** Keep a bounded copy of a datagram's payload (called for SQL_BROWSER_PORT only). */
  keepDatagram(p: Packet, fromA: boolean): void {
    const list = (this.datagrams ??= []);
    if (list.length >= MAX_KEPT_DATAGRAMS) return;
    const n = Math.min(p.payloadLength, MAX_KEPT_DATAGRAM_BYTES);
    list.push({
      frame: p.frame,
      time: p.time,
      fromClient: fromA === this.clientIsA,
      length: p.wirePayloadLength,
      bytes: new Uint8Array(p.buf.subarray(p.payloadOffset, p.payloadOffset + n)), // a copy: the frame buffer is reused
    });
  }

  private trackDns(frame: number, time: number, dns: DnsMessage): void {
    if (!this.dns) this.dns = new Map();
    const key = `${dns.qtype} ${dns.qname!.toLowerCase()}`;
    let tx = this.dns.get(key);
    if (!tx) {
      if (this.dns.size >= MAX_DNS_TRANSACTIONS) return;
      tx = { qname: dns.qname!, qtype: dns.qtype, queries: [], responses: [] };
      this.dns.set(key, tx);
    }
    // Questions asked and not answered yet: an exchange with none left is settled.
    if (dns.response ? tx.responses.length === 0 && tx.queries.length > 0 : tx.queries.length === 0) this.dnsUnanswered += dns.response ? -1 : 1;
    const list = dns.response ? tx.responses : tx.queries;
    if (list.length >= MAX_TRACKED_EVENTS) return;
    if (dns.response) tx.responses.push({ frame, time, id: dns.id, rcode: dns.rcode, answers: dns.ancount });
    else tx.queries.push({ frame, time, id: dns.id });
  }

  /** Questions of this exchange still waiting for a response. */
  dnsUnanswered = 0;

  /** A DNS exchange whose every question got a response: nothing more is expected. */
  get dnsSettled(): boolean {
    return this.dns !== null && this.dnsUnanswered === 0 && this.icmp.length === 0;
  }

}
