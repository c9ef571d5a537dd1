/**
 * A UDP exchange (Wireshark's `udp.stream`): datagrams between two endpoints, the ICMP errors
 * that quoted them, and the DNS transactions they carried.
 */
import type { DnsMessage, Packet } from '../decode/packet.js';
import type { FlowKeyView } from './key.js';
import { BaseFlow, EMPTY_LIST, MAX_TRACKED_EVENTS, type EndpointOwner, type IcmpLink } from './flow.js';

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

/** The DNS server port. */
export const DNS_PORT = 53;

/** At most this many distinct DNS questions are tracked per exchange. */
export const MAX_DNS_TRANSACTIONS = 256;

/** One side of a UDP exchange. */
export class UdpEndpoint {
  packets = 0;
  bytes = 0;
  frames: number[] = EMPTY_LIST;
  times: number[] = EMPTY_LIST;
  constructor(
    /** The exchange, which holds the address words. */
    private readonly flow: EndpointOwner,
    readonly port: number,
  ) {}

  /** Textual address, made when read. */
  get address(): string {
    return this.flow.addressOf(this);
  }
}

/** One DNS query of a transaction. */
export interface DnsQuery {
  frame: number;
  time: number;
  id: number;
}

/** One DNS response of a transaction. */
export interface DnsResponse {
  frame: number;
  time: number;
  id: number;
  rcode: number;
  answers: number;
}

/** A DNS question asked in this exchange and what came back. */
export interface DnsTransaction {
  qname: string;
  qtype: number;
  queries: DnsQuery[];
  responses: DnsResponse[];
}

/** True for ICMP type 3 or ICMPv6 type 1 (destination unreachable, any code). */
export function isDestinationUnreachable(ipVersion: number, type: number): boolean {
  return ipVersion === 6 ? type === 1 : type === 3;
}

/** True for ICMP type 3 code 3 or ICMPv6 type 1 code 4. */
export function isPortUnreachable(ipVersion: number, type: number, code: number): boolean {
  return ipVersion === 4 ? type === 3 && code === 3 : type === 1 && code === 4;
}

/**
 * A DNS response that reached a closed client port: the client answered it with the ICMP port
 * unreachable `icmp`, so its resolver had already closed the socket and never read it.
 */
export interface DnsResponseAtClosedPort {
  tx: DnsTransaction;
  response: DnsResponse;
  icmp: IcmpLink;
  /** The last query of the question sent before the response (null when none was captured). */
  lastQuery: DnsQuery | null;
}

/** Host pairs DnsAnswersHeard keeps; beyond it every pair counts as heard (the verdicts of before). */
export const MAX_DNS_PAIRS_HEARD = 16_384;

/**
 * Which DNS servers the capture has seen send anything from port 53 to which clients: a fact about
 * what the capture can see, not about one exchange. A stub resolver opens a new port for each
 * query, so one exchange without a response proves nothing about the capture; a server never seen
 * sending anything to that client (a one-way capture, a SPAN port copying one direction) may well
 * have answered out of view. Kept per host pair, bounded.
 */
export class DnsAnswersHeard {
  private readonly pairs = new Set<string>();
  /** More pairs than MAX_DNS_PAIRS_HEARD were seen: unknown pairs count as heard. */
  private full = false;

  /** Account the datagram `ex` has just counted (from its endpoint A when `fromA`): once per exchange and side. */
  noteDatagram(ex: UdpExchange, fromA: boolean): void {
    const sender = fromA === ex.clientIsA ? ex.client : ex.server;
    if (sender.port !== DNS_PORT || sender.packets !== 1) return;
    this.record(sender.address, sender === ex.client ? ex.server.address : ex.client.address);
  }

  /** Set `ex.dnsServerHeard` from what the capture has shown so far (call when deciding it). */
  judge(ex: UdpExchange): void {
    if (ex.dns === null) return;
    const serverIsB = ex.server.port === DNS_PORT;
    const server = serverIsB ? ex.server : ex.client;
    ex.dnsServerHeard = this.heard(server.address, (serverIsB ? ex.client : ex.server).address);
  }

  /** Record that `server` sent a datagram from port 53 to `client`. */
  record(server: string, client: string): void {
    if (this.pairs.size >= MAX_DNS_PAIRS_HEARD) {
      this.full = true;
      return;
    }
    this.pairs.add(`${server} ${client}`);
  }

  /** True when the capture holds a datagram from `server`'s port 53 to `client`, or could not keep count. */
  heard(server: string, client: string): boolean {
    return this.full || this.pairs.has(`${server} ${client}`);
  }
}

/** A UDP exchange between two endpoints. */
export class UdpExchange extends BaseFlow<UdpEndpoint> {
  /** Always 'udp' (on the prototype: one field less per exchange). */
  declare readonly kind: 'udp';
  /** DNS transactions keyed by "qtype name" (bounded). */
  dns: Map<string, DnsTransaction> | null = null;
  /** The first datagrams' bytes, for exchanges on a port an application recogniser reads (bounded). */
  datagrams: KeptDatagram[] | null = null;


  constructor(stream: number, key: FlowKeyView, frame: number, tsSec: number, tsNsec: number, time: number, words: Uint32Array, slot: number) {
    // The client is the first sender, unless it sends from a well-known port to an ephemeral one
    // (the capture began with a response).
    const aIsClient = !(key.srcPort < 1024 && key.dstPort >= 1024);
    super(stream, key, words, slot, UdpEndpoint, aIsClient, frame, tsSec, tsNsec, [time, time]);
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
    this.log.recordDatagram(frame, time, fromA, length, dns);
  }

  /** Keep a bounded copy of a datagram's payload (called for FlowTableOptions.udpPayloadPorts only). */
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

  /**
   * False when, by the time this exchange was decided, the capture held no datagram from the
   * server's port 53 to this client on any exchange (see DnsAnswersHeard): then a missing response
   * may just not have been captured. Set by the flow table for DNS exchanges.
   */
  dnsServerHeard = true;

  /**
   * The DNS responses of this exchange that drew an ICMP port unreachable from the client (each
   * error is tied to the latest response before it), in the order of the errors.
   */
  dnsResponsesAtClosedPort(): DnsResponseAtClosedPort[] {
    if (this.dns === null || this.icmp.length === 0) return EMPTY_LIST;
    const out: DnsResponseAtClosedPort[] = [];
    for (const icmp of this.icmp) {
      // A datagram the DNS server sent, bounced by the host it was sent to.
      if ((icmp.quotedFromClient ? this.client : this.server).port !== DNS_PORT || !isPortUnreachable(icmp.ipVersion, icmp.type, icmp.code)) continue;
      let tx: DnsTransaction | null = null;
      let response: DnsResponse | null = null;
      for (const t of this.dns.values()) {
        for (const r of t.responses) {
          if (r.frame < icmp.frame && (response === null || r.frame > response.frame)) {
            tx = t;
            response = r;
          }
        }
      }
      if (tx === null || response === null) continue;
      let lastQuery: DnsQuery | null = null;
      for (const q of tx.queries) if (q.frame < response.frame) lastQuery = q;
      out.push({ tx, response, icmp, lastQuery });
    }
    return out;
  }

  /** A DNS exchange whose every question got a response: nothing more is expected. */
  get dnsSettled(): boolean {
    return this.dns !== null && this.dnsUnanswered === 0 && this.icmp.length === 0;
  }

}
Object.defineProperty(UdpExchange.prototype, 'kind', { value: 'udp' });
