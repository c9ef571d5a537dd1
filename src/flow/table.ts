/**
 * The flow table: finds or creates the TCP conversation or UDP exchange of each packet, numbers
 * them as Wireshark's tcp.stream / udp.stream do, links ICMP errors to the flow they quote, and
 * decides (hands to `onEnd`) and frees flows that closed or went idle, in capture time.
 *
 * It orchestrates: the index (index.ts) finds a packet's flow, the timers (expiry.ts) say when a
 * flow is decided and which goes first at the cap, and the tombstones (tombstones.ts, and
 * udp-streams.ts for UDP) bring a decided flow back under its stream index.
 */
import { formatAddress, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_SYN, type Packet, type QuotedPacket } from '../decode/packet.js';
import type { FaultSink } from '../model/faults.js';
import { FlowExpiry } from './expiry.js';
import { FlowIndex, type Flow } from './index.js';
import { AddressSlab, flowHash, keyWithA, type FlowKeyView } from './key.js';
import type { ReassemblyPool } from './reassembly.js';
import { TcpConversation, type IcmpLink, type TcpEvents } from './tcp.js';
import type { IcmpEvents } from './flow.js';
import { TcpTombstones } from './tombstones.js';
import { DnsAnswersHeard, UdpExchange } from './udp.js';
import { UdpStreamIndex } from './udp-streams.js';
import { DEFAULT_MAX_FLOWS, LIVE_SWEEP_INTERVAL, SWEEP_INTERVAL, UNANSWERED_SHARE } from './timeouts.js';

export type { Flow } from './index.js';

/** Options for the flow table. */
export interface FlowTableOptions {
  /** Cap on tracked flows (TCP + UDP); the least recently active is decided early beyond it. */
  maxFlows?: number;
  /**
   * For live input: when a flow waiting on something (an answer to its SYNs, a retry after a
   * refusal or an ICMP error) can be decided sooner than its timer list says, so that a failure
   * is printed about when the application saw it. Used only while `setLive(true)`.
   */
  live?: LiveDeadlines;
  /** Reassemble TCP streams (first and last bytes of each direction) with this pool; off when absent. */
  reassembly?: ReassemblyPool | null;
  /**
   * UDP ports whose datagrams' first bytes are kept on the exchange (`UdpExchange.datagrams`) for
   * the application recognisers that declared them (see UDP_PAYLOAD_PORTS in app/); none when absent.
   */
  udpPayloadPorts?: Iterable<number>;
  /** Where a fault of ours while accounting one packet goes; the packet's other work goes on. */
  onFault?: FaultSink;
  /**
   * Called instead of `onEnd` for a flow that was set aside undecided because the cap was
   * reached while it was still open (see FlowTable.evicted), or that a late packet brought back
   * from such a flow's tombstone.
   */
  onEvicted?: (flow: Flow) => void;
  /** Who hears the rare moments of TCP conversations and the ICMP errors linked to flows (the rule engine). */
  events?: TcpEvents & IcmpEvents<Flow>;
  /** Tombstones of decided TCP conversations kept at most (default MAX_TOMBSTONES). */
  maxTombstones?: number;
  /**
   * Whether a conversation that closed in order still needs its kept bytes (an application's
   * refusal before the close, which a rule reads); without it they are freed at the close.
   */
  keepStreamsAfterClose?: (c: TcpConversation) => boolean;
}

/** See FlowTableOptions.live. */
export interface LiveDeadlines {
  /** The capture time at which `flow`, just updated, can be decided; Infinity leaves it to its timer list. */
  deadline(flow: Flow): number;
}

/** A key the table fills in (the quoted packet of an ICMP error, a flow brought back). */
interface ScratchKey extends FlowKeyView {
  addr: Uint32Array;
}

function scratchKey(): ScratchKey {
  return { ipVersion: 0, vlanOuter: -1, vlanInner: -1, addr: new Uint32Array(8), srcPort: 0, dstPort: 0 };
}

/** Finds, creates, numbers and expires flows. */
export class FlowTable {
  /** Next tcp.stream / udp.stream index. */
  tcpStreams = 0;
  udpStreams = 0;
  /**
   * Open flows set aside undecided because the cap was reached: an eviction is not evidence of a
   * failure, so they get no verdict (closed ones, whose story is complete, are decided early instead).
   */
  evicted = 0;
  /** Closed flows decided before their linger ended because the cap was reached. */
  decidedEarly = 0;
  readonly maxFlows: number;
  /** At most this many conversations with only unanswered SYNs (see UNANSWERED_SHARE). */
  readonly maxUnanswered: number;
  private readonly reassembly: ReassemblyPool | null;
  private readonly keepStreamsAfterClose?: (c: TcpConversation) => boolean;
  private readonly onFault: FaultSink;
  private readonly onEvicted: (flow: Flow) => void;
  private readonly events: TcpEvents & IcmpEvents<Flow>;
  /** 1 for each UDP port whose datagrams' payload is kept. */
  private readonly payloadPorts = new Uint8Array(65536);

  private readonly tcpIndex = new FlowIndex<TcpConversation>();
  private readonly udpIndex = new FlowIndex<UdpExchange>();
  /** Whether the packet of the last revived flow was sent by its endpoint A (as FlowIndex.fromA for a lookup). */
  private revivedFromA = true;
  private readonly expiry: FlowExpiry;
  /** Decided TCP conversations, for their late packets. */
  readonly tombstones: TcpTombstones;
  /** Capture seconds between sweeps: shorter for live input, whose short deadlines would otherwise wait for the next sweep. */
  private readonly sweepInterval: number;
  private readonly live: LiveDeadlines | null;
  /** Whether the input is live now (see setLive). */
  private liveNow = false;
  /** Live input only: flows with a deadline sooner than their timer list's (few: those waiting on an answer). */
  private readonly deadlines = new Map<Flow, number>();
  /** Stream indices of decided UDP exchanges: Wireshark never forgets a UDP conversation. */
  readonly udpStreamIndex = new UdpStreamIndex();
  /** Address words of every flow held. */
  private readonly addresses = new AddressSlab();
  /** Which DNS servers the capture has heard answer which clients (for one-way captures). */
  private readonly dnsAnswersHeard = new DnsAnswersHeard();
  /** Latest capture time seen (timestamps may go backwards across interfaces). */
  now = -Infinity;
  private nextSweep = -Infinity;
  /** The key of an ICMP error's quoted packet. */
  private readonly quotedKey = scratchKey();
  /** The key of a flow brought back from its tombstone (the lookup's key may be `quotedKey`). */
  private readonly revivedKey = scratchKey();

  constructor(
    private readonly onEnd: (flow: Flow) => void,
    options: FlowTableOptions = {},
  ) {
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.maxUnanswered = Math.max(1, Math.floor(this.maxFlows * UNANSWERED_SHARE));
    this.reassembly = options.reassembly ?? null;
    this.expiry = new FlowExpiry();
    this.tombstones = new TcpTombstones(options.maxTombstones);
    this.keepStreamsAfterClose = options.keepStreamsAfterClose;
    this.live = options.live ?? null;
    this.sweepInterval = this.live === null ? SWEEP_INTERVAL : LIVE_SWEEP_INTERVAL;
    this.onFault = options.onFault ?? rethrow;
    this.onEvicted = options.onEvicted ?? (() => {});
    this.events = options.events ?? {};
    for (const port of options.udpPayloadPorts ?? []) this.payloadPorts[port] = 1;
  }

  /** Flows currently tracked. */
  get size(): number {
    return this.expiry.size;
  }

  /** Advance capture time; sweeps idle flows once per SWEEP_INTERVAL. */
  advance(time: number): void {
    if (time > this.now) this.now = time;
    if (this.now >= this.nextSweep) {
      this.nextSweep = this.now + this.sweepInterval;
      this.sweep(this.now);
    }
  }

  /**
   * Live input: whether the packets' timestamps follow the wall clock now. Deadlines (see
   * FlowTableOptions.live) apply only while they do, so a capture replayed through a pipe is
   * decided as the file would be.
   */
  setLive(on: boolean): void {
    if (this.live === null || on === this.liveNow) return;
    this.liveNow = on;
    if (!on) this.deadlines.clear();
    // The packets read before input was known to be live (they came in the same chunk).
    else for (const f of this.expiry.flows()) this.plan(f);
  }

  /** Decide every flow idle past its timeout at capture time `now`, and (live) every flow past its deadline. */
  sweep(now: number): void {
    for (let f = this.expiry.due(now); f !== null; f = this.expiry.due(now)) this.retire(f);
    // Deciding a flow deletes its entry, which a Map's iteration allows.
    for (const [f, at] of this.deadlines) if (at <= now) this.retire(f);
  }

  /** Live input: note when `flow`, just updated, can be decided. */
  private plan(flow: Flow): void {
    if (!this.liveNow) return;
    let at = Infinity;
    try {
      at = this.live!.deadline(flow);
    } catch (e) {
      this.onFault('live deadline', flow.lastFrame, flow, e);
    }
    if (at < Infinity) this.deadlines.set(flow, at);
    else this.deadlines.delete(flow);
  }

  /** Decide every flow still tracked (end of capture), in stream order. */
  flush(): void {
    const all = this.expiry.flows();
    all.sort((x, y) => x.firstFrame - y.firstFrame || (x.kind === y.kind ? x.stream - y.stream : x.kind === 'tcp' ? -1 : 1));
    for (const f of all) this.free(f);
  }

  /** Account a TCP segment; returns its conversation. */
  tcp(p: Packet): TcpConversation {
    const hash = flowHash(p, IPPROTO_TCP);
    const found = this.tcpIndex.lookup(p, hash);
    let conv: TcpConversation;
    let fromA = true;
    if (found !== null) {
      conv = found;
      fromA = this.tcpIndex.fromA;
      // Port reuse, as Wireshark decides it: a SYN (no ACK) whose sequence number differs from
      // the base sequence of its direction starts a new conversation.
      if ((p.tcpFlags & TCP_SYN) !== 0 && isReuse(p, fromA === conv.clientIsA ? conv.client.baseSeq : conv.server.baseSeq)) {
        this.free(conv);
        conv = this.createTcp(p, hash, p.tcpFlags, p);
        fromA = true;
      }
    } else {
      const revived = this.reviveTcp(p, hash);
      if (revived !== null) {
        conv = revived;
        fromA = this.revivedFromA;
      } else conv = this.createTcp(p, hash, p.tcpFlags, p);
    }
    try {
      conv.update(p, fromA, this.events);
    } catch (e) {
      this.onFault('tcp', p.frame, conv, e);
    }
    if (conv.closed && conv.reassembly !== null && (p.tcpFlags & TCP_FIN) !== 0 && conv.closedCleanly() && !(this.keepStreamsAfterClose?.(conv) ?? false)) conv.releaseStreams();
    this.expiry.placeTcp(conv);
    if (this.liveNow) this.plan(conv);
    return conv;
  }

  /** Account a UDP datagram; returns its exchange. */
  udp(p: Packet): UdpExchange {
    const hash = flowHash(p, IPPROTO_UDP);
    const indexed = this.udpIndex.lookup(p, hash);
    let ex: UdpExchange;
    let fromA = true;
    if (indexed !== null) {
      ex = indexed;
      fromA = this.udpIndex.fromA;
    } else {
      const revived = this.reviveUdp(p, hash, p);
      ex = revived ?? this.createUdp(p, hash, p);
      fromA = revived !== null ? this.revivedFromA : true;
    }
    try {
      ex.update(p.frame, p.tsSec, p.tsNsec, p.time, p.payloadLength, fromA, p.dns);
      this.dnsAnswersHeard.noteDatagram(ex, fromA);
      if ((this.payloadPorts[ex.aPort]! | this.payloadPorts[ex.bPort]!) !== 0) ex.keepDatagram(p, fromA);
    } catch (e) {
      this.onFault('udp', p.frame, ex, e);
    }
    this.expiry.placeUdp(ex);
    if (this.liveNow) this.plan(ex);
    return ex;
  }

  /**
   * Link an ICMP/ICMPv6 error to the flow its quoted header names, creating the flow when the
   * capture holds no packet of it (Wireshark numbers such a flow too). Returns the flow or null.
   */
  icmpError(p: Packet, q: QuotedPacket): Flow | null {
    if (q.srcPort < 0 || q.dstPort < 0 || (q.protocol !== IPPROTO_TCP && q.protocol !== IPPROTO_UDP)) return null;
    const k = this.quotedKey;
    k.ipVersion = q.ipVersion;
    k.vlanOuter = p.vlanOuter;
    k.vlanInner = p.vlanInner;
    k.addr.set(q.addr);
    k.srcPort = q.srcPort;
    k.dstPort = q.dstPort;
    const reporter = formatAddress(p.ipVersion, p.addr, 0);
    if (q.protocol === IPPROTO_TCP) {
      const hash = flowHash(k, IPPROTO_TCP);
      const found = this.tcpIndex.lookup(k, hash);
      const fromA = found === null || this.tcpIndex.fromA;
      const conv = found ?? this.createTcp(k, hash, q.tcpFlags, p);
      const icmp = link(p, reporter, fromA === conv.clientIsA, q.tcpFlags);
      conv.linkIcmp(icmp);
      this.events.onIcmpError?.(conv, icmp);
      this.expiry.placeTcp(conv);
      this.plan(conv);
      return conv;
    }
    const hash = flowHash(k, IPPROTO_UDP);
    let found = this.udpIndex.lookup(k, hash);
    let fromA = found === null || this.udpIndex.fromA;
    if (found === null) {
      found = this.reviveUdp(k, hash, p);
      fromA = found === null || this.revivedFromA;
    }
    const ex = found ?? this.createUdp(k, hash, p);
    const icmp = link(p, reporter, fromA === ex.clientIsA, -1);
    ex.linkIcmp(icmp);
    this.events.onIcmpError?.(ex, icmp);
    this.expiry.placeUdp(ex);
    this.plan(ex);
    return ex;
  }

  private createTcp(key: FlowKeyView, hash: number, flags: number, at: Packet): TcpConversation {
    this.enforceCap();
    const slot = this.addresses.take(key.addr);
    const c = new TcpConversation(this.tcpStreams++, key, flags, at.frame, at.tsSec, at.tsNsec, at.time, this.addresses.chunkOf(slot), slot);
    c.hash = hash;
    c.reassembly = this.reassembly;
    this.tcpIndex.add(c);
    this.expiry.placeTcp(c);
    return c;
  }

  private createUdp(key: FlowKeyView, hash: number, at: Packet): UdpExchange {
    this.enforceCap();
    const slot = this.addresses.take(key.addr);
    const u = new UdpExchange(this.udpStreams++, key, at.frame, at.tsSec, at.tsNsec, at.time, this.addresses.chunkOf(slot), slot);
    u.hash = hash;
    this.udpIndex.add(u);
    this.expiry.placeUdp(u);
    return u;
  }

  /**
   * A segment of a decided conversation: bring it back under its old stream index, with its
   * client, base sequences, VLAN ids and evicted mark; the segment's direction in `revivedFromA`.
   * Null when no tombstone is kept, or when the segment is a SYN reusing the ports (the tombstone
   * is dropped: a new stream begins).
   */
  private reviveTcp(p: Packet, hash: number): TcpConversation | null {
    const t = this.tombstones.exhume(p, hash);
    if (t === null || isReuse(p, t.fromA ? t.aBaseSeq : t.bBaseSeq)) return null;
    const k = keyWithA(p, t.fromA, t.vlanOuter, t.vlanInner, this.revivedKey);
    this.enforceCap();
    const slot = this.addresses.take(k.addr);
    const c = new TcpConversation(t.stream, k, -1, p.frame, p.tsSec, p.tsNsec, p.time, this.addresses.chunkOf(slot), slot);
    c.restoreOrientation(t.clientIsA, t.aBaseSeq, t.bBaseSeq);
    c.evicted = t.evicted;
    c.bVlanOuter = t.bVlanOuter;
    c.bVlanInner = t.bVlanInner;
    c.bSeen = t.bSeen;
    c.hash = hash;
    c.reassembly = this.reassembly;
    this.tcpIndex.add(c);
    this.expiry.placeTcp(c);
    this.revivedFromA = t.fromA;
    return c;
  }

  /**
   * A datagram (or an ICMP error quoting one, `key`) of a decided exchange: bring the exchange back
   * under its old stream index, with its client, VLAN ids and evicted mark; the datagram's direction
   * in `revivedFromA`. Null when none is remembered.
   */
  private reviveUdp(key: FlowKeyView, hash: number, at: Packet): UdpExchange | null {
    const m = this.udpStreamIndex.find(key, hash);
    if (m === null) return null;
    const k = keyWithA(key, m.fromA, m.vlanOuter, m.vlanInner, this.revivedKey);
    const { stream, fromA, clientIsA, evicted, bSeen, bVlanOuter, bVlanInner } = m;
    this.enforceCap();
    const slot = this.addresses.take(k.addr);
    const u = new UdpExchange(stream, k, at.frame, at.tsSec, at.tsNsec, at.time, this.addresses.chunkOf(slot), slot);
    u.restoreOrientation(clientIsA);
    u.evicted = evicted;
    u.bVlanOuter = bVlanOuter;
    u.bVlanInner = bVlanInner;
    u.bSeen = bSeen;
    u.hash = hash;
    this.udpIndex.add(u);
    this.expiry.placeUdp(u);
    this.revivedFromA = fromA;
    return u;
  }

  /** Decide a flow and remember it, so that a late packet keeps its stream index. */
  private retire(f: Flow): void {
    this.decide(f);
    if (f.kind === 'tcp') {
      const a = f.clientIsA ? f.client : f.server;
      const b = f.clientIsA ? f.server : f.client;
      this.tombstones.bury(f, a.baseSeq, b.baseSeq, f.hash);
    } else this.udpStreamIndex.remember(f, f.hash);
    this.addresses.release(f.slot);
  }

  /** Decide a flow and forget it (end of capture, or its ports reused). */
  private free(f: Flow): void {
    this.decide(f);
    this.addresses.release(f.slot);
  }

  /** Take a flow out of the index and its timer, and hand it to `onEnd` (or `onEvicted`). */
  private decide(f: Flow): void {
    this.expiry.remove(f);
    if (this.deadlines.size !== 0) this.deadlines.delete(f);
    if (f.kind === 'tcp') this.tcpIndex.remove(f);
    else {
      this.udpIndex.remove(f);
      this.dnsAnswersHeard.judge(f);
    }
    if (f.evicted) this.onEvicted(f);
    else this.onEnd(f);
    if (f.kind === 'tcp') f.releaseStreams();
  }

  private enforceCap(): void {
    while (this.expiry.size >= this.maxFlows) {
      // Closed flows first (settled DNS exchanges count as closed): their story is complete, so
      // deciding them before their linger ends loses at most a late packet.
      const closed = this.expiry.oldestClosed();
      if (closed !== null) {
        this.decidedEarly++;
        this.retire(closed);
        continue;
      }
      // Then the least recently active open flow, set aside without a verdict: that it was still
      // open when memory ran short says nothing about whether it failed.
      const victim = this.expiry.oldestOpen();
      if (victim === null) return;
      this.setAside(victim);
    }
    while (this.expiry.unanswered >= this.maxUnanswered) this.setAside(this.expiry.oldestUnanswered()!);
  }

  /** Free an open flow undecided (counted in `evicted`); its tombstone remembers that it was. */
  private setAside(victim: Flow): void {
    if (!victim.evicted) this.evicted++;
    victim.evicted = true;
    this.retire(victim);
  }
}

/** A SYN (no ACK) whose sequence number differs from its side's base (-1: none yet): port reuse. */
function isReuse(p: Packet, baseSeq: number): boolean {
  return (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN && baseSeq >= 0 && baseSeq !== p.tcpSeq;
}

function link(p: Packet, reporter: string, quotedFromClient: boolean, quotedTcpFlags: number): IcmpLink {
  return {
    frame: p.frame,
    time: p.time,
    tsSec: p.tsSec,
    tsNsec: p.tsNsec,
    ipVersion: p.ipVersion,
    type: p.icmpType,
    code: p.icmpCode,
    reporter,
    quotedFromClient,
    quotedTcpFlags,
  };
}

/** Without a fault sink a fault is not contained: tests of the table see it. */
function rethrow(_component: string, _frame: number, _subject: unknown, error: unknown): never {
  throw error;
}
