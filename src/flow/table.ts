/**
 * The flow table: finds or creates the TCP conversation or UDP exchange of each packet, numbers
 * them as Wireshark's tcp.stream / udp.stream do, links ICMP errors to the flow they quote, and
 * decides (hands to `onEnd`) and frees flows that closed or went idle, in capture time.
 */
import { formatAddress, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_SYN, type Packet, type QuotedPacket } from '../decode/packet.js';
import { AddressSlab, flowHash, isAsymmetricReply, matchFlow, wordsAt, type FlowKeyView, type StoredFlowKey } from './key.js';
import type { FaultSink } from '../model/faults.js';
import type { ReassemblyPool } from './reassembly.js';
import { TcpConversation, type IcmpLink, type TcpEvents } from './tcp.js';
import type { IcmpEvents } from './flow.js';
import { DnsAnswersHeard, SQL_BROWSER_PORT, UdpExchange } from './udp.js';
import { UdpStreamIndex } from './udp-streams.js';
import { DEFAULT_MAX_FLOWS, UNANSWERED_SHARE, MAX_TOMBSTONES, TOMBSTONE_TTL, TCP_REFUSED_LINGER, SWEEP_INTERVAL, TCP_CLOSED_LINGER, TCP_HANDSHAKE_TIMEOUT, TCP_IDLE_TIMEOUT, UDP_IDLE_TIMEOUT } from './timeouts.js';

/** A conversation of either protocol. */
export type Flow = TcpConversation | UdpExchange;

const LIST_TCP_OPEN = 1;
const LIST_TCP_CLOSED = 2;
const LIST_UDP = 3;
const LIST_TCP_HANDSHAKE = 4;
/** Closed conversations that were refused, when refusedLinger is set (live input). */
const LIST_TCP_REFUSED = 5;

/** Intrusive LRU list ordered by last activity (head = least recent). */
class LruList<T extends { lruPrev: T | null; lruNext: T | null; lruList: number }> {
  head: T | null = null;
  tail: T | null = null;
  size = 0;
  constructor(readonly id: number) {}

  push(x: T): void {
    x.lruList = this.id;
    x.lruPrev = this.tail;
    x.lruNext = null;
    if (this.tail) this.tail.lruNext = x;
    else this.head = x;
    this.tail = x;
    this.size++;
  }

  remove(x: T): void {
    if (x.lruPrev) x.lruPrev.lruNext = x.lruNext;
    else this.head = x.lruNext;
    if (x.lruNext) x.lruNext.lruPrev = x.lruPrev;
    else this.tail = x.lruPrev;
    x.lruPrev = x.lruNext = null;
    x.lruList = 0;
    this.size--;
  }

  touch(x: T): void {
    if (this.tail === x) return;
    this.remove(x);
    this.push(x);
  }
}

/** Options for the flow table. */
export interface FlowTableOptions {
  /** Cap on tracked flows (TCP + UDP); the least recently active is decided early beyond it. */
  maxFlows?: number;
  /** Seconds a refused conversation lingers before it is decided (default TCP_REFUSED_LINGER;
   * live input uses LIVE_REFUSED_LINGER so a refusal shows within seconds). */
  refusedLinger?: number;
  /** Reassemble TCP streams (first and last bytes of each direction) with this pool; off when absent. */
  reassembly?: ReassemblyPool | null;
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
}

/** Scratch key for quoted packets (reused). */
interface ScratchKey extends FlowKeyView {
  addr: Uint32Array;
}

/**
 * What remains of a TCP conversation after it was decided and freed: its identity, stream index,
 * orientation and base sequence numbers, so that a late packet (a retransmitted FIN, a RST long
 * after, a retried SYN) gets the stream index Wireshark gives it, for a few hundred bytes instead
 * of the whole flow. (Decided UDP exchanges are remembered by the UdpStreamIndex.)
 */
class FlowTombstone implements StoredFlowKey {
  readonly ipVersion: number;
  readonly vlanOuter: number;
  readonly vlanInner: number;
  bVlanOuter: number;
  bVlanInner: number;
  bSeen: boolean;
  /** The conversation's address words, whose slot the tombstone now owns. */
  readonly words: Uint32Array;
  readonly slot: number;
  readonly aPort: number;
  readonly bPort: number;
  readonly stream: number;
  readonly clientIsA: boolean;
  /** Base sequence numbers of A and B (-1 when that side sent nothing). */
  readonly aBaseSeq: number;
  readonly bBaseSeq: number;
  readonly lastTime: number;
  /** The flow was set aside undecided (flow cap): a flow brought back from here is not judged either. */
  readonly evicted: boolean;
  hash = 0;
  nextInBucket: FlowTombstone | null = null;
  lruPrev: FlowTombstone | null = null;
  lruNext: FlowTombstone | null = null;
  lruList = 0;

  constructor(c: TcpConversation) {
    this.ipVersion = c.ipVersion;
    this.vlanOuter = c.vlanOuter;
    this.vlanInner = c.vlanInner;
    this.bVlanOuter = c.bVlanOuter;
    this.bVlanInner = c.bVlanInner;
    this.bSeen = c.bSeen;
    this.words = c.words;
    this.slot = c.slot;
    this.aPort = c.aPort;
    this.bPort = c.bPort;
    this.stream = c.stream;
    this.clientIsA = c.clientIsA;
    const a = c.clientIsA ? c.client : c.server;
    const b = c.clientIsA ? c.server : c.client;
    this.aBaseSeq = a.baseSeq;
    this.bBaseSeq = b.baseSeq;
    this.lastTime = c.lastTime;
    this.evicted = c.evicted;
    this.hash = c.hash;
  }
}

const LIST_TOMBSTONES = 6;
const LIST_UDP_SETTLED = 7;

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
  private readonly onFault: FaultSink;
  private readonly onEvicted: (flow: Flow) => void;

  private readonly tcpBuckets = new Map<number, TcpConversation>();
  private readonly udpBuckets = new Map<number, UdpExchange>();
  private readonly tcpOpen = new LruList<TcpConversation>(LIST_TCP_OPEN);
  private readonly tcpClosed = new LruList<TcpConversation>(LIST_TCP_CLOSED);
  private readonly tcpHandshake = new LruList<TcpConversation>(LIST_TCP_HANDSHAKE);
  private readonly tcpRefused = new LruList<TcpConversation>(LIST_TCP_REFUSED);
  private readonly refusedLinger: number;
  private readonly udpList = new LruList<UdpExchange>(LIST_UDP);
  /** DNS exchanges whose every question was answered: decided after TCP_CLOSED_LINGER. */
  private readonly udpSettled = new LruList<UdpExchange>(LIST_UDP_SETTLED);
  private readonly tombstoneBuckets = new Map<number, FlowTombstone>();
  private readonly tombstones = new LruList<FlowTombstone>(LIST_TOMBSTONES);
  /** Address words of every flow and tombstone held. */
  private readonly addresses = new AddressSlab();
  /** Stream indices of decided UDP exchanges: Wireshark never forgets a UDP conversation. */
  readonly udpStreamIndex = new UdpStreamIndex();
  /** Scratch key for an exchange brought back from the index (the other scratch may hold the lookup's key). */
  private readonly revivedKey: ScratchKey = { ipVersion: 0, vlanOuter: -1, vlanInner: -1, addr: new Uint32Array(8), srcPort: 0, dstPort: 0 };
  /** Which DNS servers the capture has heard answer which clients (for one-way captures). */
  private readonly dnsAnswersHeard = new DnsAnswersHeard();
  /** Latest capture time seen (timestamps may go backwards across interfaces). */
  now = -Infinity;
  private nextSweep = -Infinity;
  private readonly scratch: ScratchKey = { ipVersion: 0, vlanOuter: -1, vlanInner: -1, addr: new Uint32Array(8), srcPort: 0, dstPort: 0 };
  /**
   * Direction of the packet in the flow the last lookup returned (1: from endpoint A, -1: from B).
   * A field, not part of a returned pair: lookups run per packet and should not allocate.
   */
  private foundDir = 0;
  private readonly events: TcpEvents & IcmpEvents<Flow>;

  constructor(
    private readonly onEnd: (flow: Flow) => void,
    options: FlowTableOptions = {},
  ) {
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.maxUnanswered = Math.max(1, Math.floor(this.maxFlows * UNANSWERED_SHARE));
    this.reassembly = options.reassembly ?? null;
    this.refusedLinger = options.refusedLinger ?? TCP_REFUSED_LINGER;
    this.onFault = options.onFault ?? rethrow;
    this.onEvicted = options.onEvicted ?? (() => {});
    this.events = options.events ?? {};
  }

  /** Flows currently tracked. */
  get size(): number {
    return this.tcpOpen.size + this.tcpClosed.size + this.tcpHandshake.size + this.tcpRefused.size + this.udpList.size + this.udpSettled.size;
  }

  /** Advance capture time; sweeps idle flows once per SWEEP_INTERVAL. */
  advance(time: number): void {
    if (time > this.now) this.now = time;
    if (this.now >= this.nextSweep) {
      this.nextSweep = this.now + SWEEP_INTERVAL;
      this.sweep(this.now);
    }
  }

  /** Decide every flow idle past its timeout at capture time `now`. */
  sweep(now: number): void {
    let c = this.tcpClosed.head;
    while (c && c.lastTime + TCP_CLOSED_LINGER < now) {
      this.retireTcp(c);
      c = this.tcpClosed.head;
    }
    c = this.tcpRefused.head;
    while (c && c.lastTime + this.refusedLinger < now) {
      this.retireTcp(c);
      c = this.tcpRefused.head;
    }
    c = this.tcpHandshake.head;
    while (c && c.lastTime + TCP_HANDSHAKE_TIMEOUT < now) {
      this.retireTcp(c);
      c = this.tcpHandshake.head;
    }
    c = this.tcpOpen.head;
    while (c && c.lastTime + TCP_IDLE_TIMEOUT < now) {
      this.retireTcp(c);
      c = this.tcpOpen.head;
    }
    let u = this.udpList.head;
    while (u && u.lastTime + UDP_IDLE_TIMEOUT < now) {
      this.retireUdp(u);
      u = this.udpList.head;
    }
    u = this.udpSettled.head;
    while (u && u.lastTime + TCP_CLOSED_LINGER < now) {
      this.retireUdp(u);
      u = this.udpSettled.head;
    }
    let t = this.tombstones.head;
    while (t && (t.lastTime + TOMBSTONE_TTL < now || this.tombstones.size > MAX_TOMBSTONES)) {
      this.dropTombstone(t);
      t = this.tombstones.head;
    }
  }

  private dropTombstone(t: FlowTombstone): void {
    this.tombstones.remove(t);
    this.unlinkBucket(this.tombstoneBuckets, t);
    this.addresses.release(t.slot);
  }

  /** Decide an idle UDP exchange and remember its stream, so a later datagram keeps its udp.stream. */
  private retireUdp(u: UdpExchange): void {
    this.endUdp(u);
    this.udpStreamIndex.remember(u, u.hash);
    this.addresses.release(u.slot);
  }

  /**
   * A datagram (or an ICMP error quoting one, `key`) of a decided exchange: bring the exchange back
   * under its old stream index, with its client, VLAN ids and evicted mark. Null when none is remembered.
   */
  private reviveUdp(key: FlowKeyView, hash: number, frame: number, tsSec: number, tsNsec: number, time: number): UdpExchange | null {
    const m = this.udpStreamIndex.find(key, hash);
    if (m === null) return null;
    // The identity with A as the sender, as the exchange was created.
    const k = this.revivedKey;
    k.ipVersion = key.ipVersion;
    k.vlanOuter = m.vlanOuter;
    k.vlanInner = m.vlanInner;
    if (m.fromA) {
      k.addr.set(key.addr.subarray(0, 8));
      k.srcPort = key.srcPort;
      k.dstPort = key.dstPort;
    } else {
      k.addr.set(key.addr.subarray(4, 8), 0);
      k.addr.set(key.addr.subarray(0, 4), 4);
      k.srcPort = key.dstPort;
      k.dstPort = key.srcPort;
    }
    const { stream, fromA, clientIsA, evicted, bSeen, bVlanOuter, bVlanInner } = m;
    this.enforceCap();
    const slot = this.addresses.take(k.addr);
    const u = new UdpExchange(stream, k, frame, tsSec, tsNsec, time, this.addresses.chunkOf(slot), slot);
    u.restoreOrientation(clientIsA);
    u.evicted = evicted;
    u.bVlanOuter = bVlanOuter;
    u.bVlanInner = bVlanInner;
    u.bSeen = bSeen;
    u.hash = hash;
    u.nextInBucket = this.udpBuckets.get(hash) ?? null;
    this.udpBuckets.set(hash, u);
    this.udpList.push(u);
    this.foundDir = fromA ? 1 : -1;
    return u;
  }

  /** Decide a conversation and leave a tombstone for late packets. */
  private retireTcp(c: TcpConversation): void {
    this.endTcp(c);
    const t = new FlowTombstone(c);
    t.nextInBucket = this.tombstoneBuckets.get(t.hash) ?? null;
    this.tombstoneBuckets.set(t.hash, t);
    this.tombstones.push(t);
    if (this.tombstones.size > MAX_TOMBSTONES) this.dropTombstone(this.tombstones.head!);
  }

  /** A packet of a decided conversation: bring it back under its old stream index. */
  private reviveTcp(t: FlowTombstone, dir: number, p: Packet): TcpConversation | null {
    this.dropTombstone(t);
    // Port reuse still applies: a SYN with another ISN than its side's base starts a new stream.
    const fromA = dir === 1;
    const base = fromA ? t.aBaseSeq : t.bBaseSeq;
    if ((p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN && base >= 0 && base !== p.tcpSeq) return null;
    const k = this.keyOfTombstone(t);
    this.enforceCap();
    const slot = this.addresses.take(k.addr);
    const c = new TcpConversation(t.stream, k, -1, p.frame, p.tsSec, p.tsNsec, p.time, this.addresses.chunkOf(slot), slot);
    c.restoreOrientation(t.clientIsA, t.aBaseSeq, t.bBaseSeq);
    c.evicted = t.evicted;
    c.bVlanOuter = t.bVlanOuter;
    c.bVlanInner = t.bVlanInner;
    c.bSeen = t.bSeen;
    c.hash = t.hash;
    c.reassembly = this.reassembly;
    c.nextInBucket = this.tcpBuckets.get(t.hash) ?? null;
    this.tcpBuckets.set(t.hash, c);
    this.placeTcp(c);
    this.foundDir = dir;
    return c;
  }

  /** The identity a tombstone keeps, as a key with A as the sender (in the scratch key). */
  private keyOfTombstone(t: FlowTombstone): FlowKeyView {
    const k = this.scratch;
    k.ipVersion = t.ipVersion;
    k.vlanOuter = t.vlanOuter;
    k.vlanInner = t.vlanInner;
    const w = wordsAt(t.slot);
    // The tombstone's slot may have been given back already: copied before anything takes it.
    for (let i = 0; i < 8; i++) k.addr[i] = t.words[w + i]!;
    k.srcPort = t.aPort;
    k.dstPort = t.bPort;
    return k;
  }

  /** The tombstone of `key` (its direction in `foundDir`), or null. */
  private findTombstone(key: FlowKeyView, hash: number): FlowTombstone | null {
    return this.matchIn(this.tombstoneBuckets.get(hash) ?? null, key);
  }

  /** Decide every flow still tracked (end of capture), in stream order. */
  flush(): void {
    const all: Flow[] = [];
    for (let c = this.tcpClosed.head; c; c = c.lruNext) all.push(c);
    for (let c = this.tcpRefused.head; c; c = c.lruNext) all.push(c);
    for (let c = this.tcpOpen.head; c; c = c.lruNext) all.push(c);
    for (let c = this.tcpHandshake.head; c; c = c.lruNext) all.push(c);
    for (let u = this.udpList.head; u; u = u.lruNext) all.push(u);
    for (let u = this.udpSettled.head; u; u = u.lruNext) all.push(u);
    all.sort((x, y) => x.firstFrame - y.firstFrame || (x.kind === y.kind ? x.stream - y.stream : x.kind === 'tcp' ? -1 : 1));
    for (const f of all) {
      if (f.kind === 'tcp') this.endTcp(f);
      else this.endUdp(f);
      this.addresses.release(f.slot);
    }
  }

  private endTcp(c: TcpConversation): void {
    this.listOf(c)?.remove(c);
    this.unlinkBucket(this.tcpBuckets, c);
    if (c.evicted) this.onEvicted(c);
    else this.onEnd(c);
    c.releaseStreams();
  }

  private endUdp(u: UdpExchange): void {
    if (u.lruList === LIST_UDP) this.udpList.remove(u);
    else if (u.lruList === LIST_UDP_SETTLED) this.udpSettled.remove(u);
    this.unlinkBucket(this.udpBuckets, u);
    this.dnsAnswersHeard.judge(u);
    if (u.evicted) this.onEvicted(u);
    else this.onEnd(u);
  }

  private unlinkBucket<T extends { hash: number; nextInBucket: T | null }>(buckets: Map<number, T>, x: T): void {
    let cur: T | null = buckets.get(x.hash) ?? null;
    if (cur === x) {
      if (x.nextInBucket) buckets.set(x.hash, x.nextInBucket);
      else buckets.delete(x.hash);
      x.nextInBucket = null;
      return;
    }
    while (cur && cur.nextInBucket !== x) cur = cur.nextInBucket;
    if (cur) cur.nextInBucket = x.nextInBucket;
    x.nextInBucket = null;
  }

  private enforceCap(): void {
    while (this.size >= this.maxFlows) {
      // Closed flows first (settled DNS exchanges count as closed): their story is complete, so
      // deciding them before their linger ends loses at most a late packet.
      const closed: Flow | null = this.tcpClosed.head ?? this.tcpRefused.head ?? this.udpSettled.head;
      if (closed) {
        this.decidedEarly++;
        if (closed.kind === 'tcp') this.retireTcp(closed);
        else this.retireUdp(closed);
        continue;
      }
      // Then the least recently active open flow, set aside without a verdict: that it was still
      // open when memory ran short says nothing about whether it failed.
      const victim: Flow | null = oldest(oldest(this.tcpHandshake.head, this.tcpOpen.head), this.udpList.head);
      if (!victim) return;
      this.setAside(victim);
    }
    while (this.tcpHandshake.size >= this.maxUnanswered) this.setAside(this.tcpHandshake.head!);
  }

  /** Free an open flow undecided (counted in `evicted`); a tombstone remembers that it was. */
  private setAside(victim: Flow): void {
    if (!victim.evicted) this.evicted++;
    victim.evicted = true;
    if (victim.kind === 'tcp') this.retireTcp(victim);
    else this.retireUdp(victim);
  }

  private listOf(c: TcpConversation): LruList<TcpConversation> | null {
    switch (c.lruList) {
      case LIST_TCP_OPEN:
        return this.tcpOpen;
      case LIST_TCP_CLOSED:
        return this.tcpClosed;
      case LIST_TCP_HANDSHAKE:
        return this.tcpHandshake;
      case LIST_TCP_REFUSED:
        return this.tcpRefused;
      default:
        return null;
    }
  }

  /** Put a conversation at the tail of the list its state belongs to (each list has one timeout). */
  private placeTcp(c: TcpConversation): void {
    // A refusal (RST to SYNs, no SYN-ACK) has its own list only so live input can decide it sooner.
    const refused = c.closed && c.rejected && !c.synAckSeen && !c.established;
    const want = refused ? this.tcpRefused : c.closed ? this.tcpClosed : c.established || c.midstream || c.synAckSeen ? this.tcpOpen : this.tcpHandshake;
    const cur = this.listOf(c);
    if (cur === want) want.touch(c);
    else {
      cur?.remove(c);
      want.push(c);
    }
  }

  /** The flow of `key` in a bucket chain (the packet's direction in `foundDir`), or null. */
  private matchIn<T extends StoredFlowKey & { nextInBucket: T | null }>(head: T | null, key: FlowKeyView): T | null {
    for (let f = head; f; f = f.nextInBucket) {
      const dir = matchFlow(f, key);
      if (dir !== 0) {
        this.foundDir = dir;
        return f;
      }
    }
    return null;
  }

  /** The flow of `key` in a bucket chain, or one whose reply it is (see adoptReply). */
  private findIn<T extends StoredFlowKey & { nextInBucket: T | null }>(head: T | null, key: FlowKeyView): T | null {
    const found = this.matchIn(head, key);
    if (found !== null) return found;
    this.foundDir = -1;
    return adoptReply(head, key);
  }

  /** The conversation of `key` (the packet's direction in `foundDir`), or null. */
  private findTcp(key: FlowKeyView, hash: number): TcpConversation | null {
    return this.findIn(this.tcpBuckets.get(hash) ?? null, key);
  }

  private createTcp(key: FlowKeyView, hash: number, flags: number, frame: number, tsSec: number, tsNsec: number, time: number): TcpConversation {
    this.enforceCap();
    const slot = this.addresses.take(key.addr);
    const c = new TcpConversation(this.tcpStreams++, key, flags, frame, tsSec, tsNsec, time, this.addresses.chunkOf(slot), slot);
    c.hash = hash;
    c.reassembly = this.reassembly;
    c.nextInBucket = this.tcpBuckets.get(hash) ?? null;
    this.tcpBuckets.set(hash, c);
    this.placeTcp(c);
    return c;
  }

  /** Account a TCP segment; returns its conversation. */
  tcp(p: Packet): TcpConversation {
    const hash = flowHash(p, IPPROTO_TCP);
    let found = this.findTcp(p, hash);
    if (!found && this.tombstones.size > 0) {
      const dead = this.findTombstone(p, hash);
      if (dead) found = this.reviveTcp(dead, this.foundDir, p);
    }
    let conv: TcpConversation;
    let fromA: boolean;
    if (!found) {
      conv = this.createTcp(p, hash, p.tcpFlags, p.frame, p.tsSec, p.tsNsec, p.time);
      fromA = true;
    } else {
      conv = found;
      fromA = this.foundDir === 1;
      // Port reuse, as Wireshark decides it: a SYN (no ACK) whose sequence number differs from
      // the base sequence of its direction starts a new conversation.
      if ((p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
        const side = fromA === conv.clientIsA ? conv.client : conv.server;
        if (side.baseSeq >= 0 && side.baseSeq !== p.tcpSeq) {
          this.endTcp(conv);
          this.addresses.release(conv.slot);
          conv = this.createTcp(p, hash, p.tcpFlags, p.frame, p.tsSec, p.tsNsec, p.time);
          fromA = true;
        }
      }
    }
    try {
      conv.update(p, fromA, this.events);
    } catch (e) {
      this.onFault('tcp', p.frame, conv, e);
    }
    if (conv.closed && conv.reassembly !== null && (p.tcpFlags & TCP_FIN) !== 0 && conv.closedCleanly()) conv.releaseStreams();
    this.placeTcp(conv);
    return conv;
  }

  /** Put an exchange at the tail of its list: settled DNS exchanges go sooner. */
  private placeUdp(u: UdpExchange): void {
    const want = u.dnsSettled ? this.udpSettled : this.udpList;
    if (u.lruList === want.id) want.touch(u);
    else {
      if (u.lruList === LIST_UDP) this.udpList.remove(u);
      else if (u.lruList === LIST_UDP_SETTLED) this.udpSettled.remove(u);
      want.push(u);
    }
  }

  /** The exchange of `key` (the datagram's direction in `foundDir`), or null. */
  private findUdp(key: FlowKeyView, hash: number): UdpExchange | null {
    return this.findIn(this.udpBuckets.get(hash) ?? null, key);
  }

  private createUdp(key: FlowKeyView, hash: number, frame: number, tsSec: number, tsNsec: number, time: number): UdpExchange {
    this.enforceCap();
    const slot = this.addresses.take(key.addr);
    const u = new UdpExchange(this.udpStreams++, key, frame, tsSec, tsNsec, time, this.addresses.chunkOf(slot), slot);
    u.hash = hash;
    u.nextInBucket = this.udpBuckets.get(hash) ?? null;
    this.udpBuckets.set(hash, u);
    this.udpList.push(u);
    return u;
  }

  /** Account a UDP datagram; returns its exchange. */
  udp(p: Packet): UdpExchange {
    const hash = flowHash(p, IPPROTO_UDP);
    let found = this.findUdp(p, hash);
    if (!found) found = this.reviveUdp(p, hash, p.frame, p.tsSec, p.tsNsec, p.time);
    let ex: UdpExchange;
    let fromA: boolean;
    if (!found) {
      ex = this.createUdp(p, hash, p.frame, p.tsSec, p.tsNsec, p.time);
      fromA = true;
    } else {
      ex = found;
      fromA = this.foundDir === 1;
    }
    try {
      ex.update(p.frame, p.tsSec, p.tsNsec, p.time, p.payloadLength, fromA, p.dns);
      this.dnsAnswersHeard.noteDatagram(ex, fromA);
      if (ex.aPort === SQL_BROWSER_PORT || ex.bPort === SQL_BROWSER_PORT) ex.keepDatagram(p, fromA);
    } catch (e) {
      this.onFault('udp', p.frame, ex, e);
    }
    this.placeUdp(ex);
    return ex;
  }

  /**
   * Link an ICMP/ICMPv6 error to the flow its quoted header names, creating the flow when the
   * capture holds no packet of it (Wireshark numbers such a flow too). Returns the flow or null.
   */
  icmpError(p: Packet, q: QuotedPacket): Flow | null {
    if (q.srcPort < 0 || q.dstPort < 0 || (q.protocol !== IPPROTO_TCP && q.protocol !== IPPROTO_UDP)) return null;
    const k = this.scratch;
    k.ipVersion = q.ipVersion;
    k.vlanOuter = p.vlanOuter;
    k.vlanInner = p.vlanInner;
    k.addr.set(q.addr);
    k.srcPort = q.srcPort;
    k.dstPort = q.dstPort;
    const reporter = formatAddress(p.ipVersion, p.addr, 0);
    if (q.protocol === IPPROTO_TCP) {
      const hash = flowHash(k, IPPROTO_TCP);
      const found = this.findTcp(k, hash);
      const fromA = found ? this.foundDir === 1 : true;
      const conv = found ?? this.createTcp(k, hash, q.tcpFlags, p.frame, p.tsSec, p.tsNsec, p.time);
      const link = this.link(p, reporter, fromA === conv.clientIsA, q.tcpFlags);
      conv.linkIcmp(link);
      this.events.onIcmpError?.(conv, link);
      this.placeTcp(conv);
      return conv;
    }
    const hash = flowHash(k, IPPROTO_UDP);
    const found = this.findUdp(k, hash) ?? this.reviveUdp(k, hash, p.frame, p.tsSec, p.tsNsec, p.time);
    const fromA = found ? this.foundDir === 1 : true;
    const ex = found ?? this.createUdp(k, hash, p.frame, p.tsSec, p.tsNsec, p.time);
    const link = this.link(p, reporter, fromA === ex.clientIsA, -1);
    ex.linkIcmp(link);
    this.events.onIcmpError?.(ex, link);
    this.placeUdp(ex);
    return ex;
  }

  private link(p: Packet, reporter: string, quotedFromClient: boolean, quotedTcpFlags: number): IcmpLink {
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
}

/** Find a flow whose first reply arrives on other VLAN ids, and record B's VLAN ids on it. */
function adoptReply<T extends StoredFlowKey & { nextInBucket: T | null }>(head: T | null, key: FlowKeyView): T | null {
  for (let f = head; f; f = f.nextInBucket) {
    if (isAsymmetricReply(f, key)) {
      f.bVlanOuter = key.vlanOuter;
      f.bVlanInner = key.vlanInner;
      return f;
    }
  }
  return null;
}

/** Without a fault sink a fault is not contained: tests of the table see it. */
function rethrow(_component: string, _frame: number, _subject: unknown, error: unknown): never {
  throw error;
}

function oldest(a: Flow | null, b: Flow | null): Flow | null {
  if (!a) return b;
  if (!b) return a;
  return a.lastTime <= b.lastTime ? a : b;
}
