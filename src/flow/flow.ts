/**
 * What every flow shares, TCP conversation or UDP exchange: its identity (the stored flow key),
 * Wireshark's stream index, which endpoint is the client, its time span, the ICMP errors that
 * quoted it, its packet log, and the flow table's bookkeeping.
 */
import { formatAddress } from '../decode/packet.js';
import { wordsAt, type FlowKeyView, type StoredFlowKey } from './key.js';
import { PacketLog } from './packet-log.js';

/**
 * The initial value of the per-conversation lists most conversations never fill (RSTs, refusals,
 * ICMP errors…): one shared empty array instead of one per field, which with tens of thousands of
 * conversations held is measurable. Writers replace it with a one-element literal on the first
 * entry; it is frozen, so a push into it throws rather than sharing data between conversations.
 */
export const EMPTY_LIST: never[] = Object.freeze([]) as unknown as never[];

/** At most this many entries are kept in each per-conversation list (SYN times, retransmissions…). */
export const MAX_TRACKED_EVENTS = 64;

/** An ICMP error that quoted a packet of this flow. */
export interface IcmpLink {
  frame: number;
  time: number;
  tsSec: number;
  tsNsec: number;
  ipVersion: number;
  type: number;
  code: number;
  /** Who sent the ICMP error (textual address). */
  reporter: string;
  /** True when the quoted packet was sent by the conversation's client. */
  quotedFromClient: boolean;
  /** Quoted TCP flags (-1 when not in the quote). */
  quotedTcpFlags: number;
}

/** Heard when an ICMP error quoting a packet of a flow is linked to it (`F`: the flows). */
export interface IcmpEvents<F> {
  onIcmpError?(flow: F, link: IcmpLink): void;
}

const FLOW_B_SEEN = 1;
const FLOW_CLIENT_IS_A = 2;
const FLOW_DECIDED = 4;
const FLOW_EVICTED = 8;
/** The first bit of `BaseFlow.bits` a subclass may use. */
export const FLOW_SUBCLASS_BITS = 16;

/** What an endpoint asks its flow for: its textual address (made when read, not kept) and its times. */
export interface EndpointOwner {
  addressOf(endpoint: object): string;
  /** @internal See BaseFlow.times. */
  readonly times: number[];
}

/** How a flow makes its endpoints: each knows its flow, its port and its side (0: A, 1: B). */
export type EndpointClass<E> = new (flow: EndpointOwner, port: number, side: number) => E;

/** Where the flow's own times are in `BaseFlow.times`; a subclass's come after them. */
const START_TIME = 0;
const LAST_TIME = 1;
/** The first index of `BaseFlow.times` a subclass may use. */
export const FLOW_SUBCLASS_TIMES = 2;

/** The common part of a TCP conversation and a UDP exchange. */
export abstract class BaseFlow<E extends { readonly address: string; readonly port: number }> extends PacketLog implements StoredFlowKey, EndpointOwner {
  /** Wireshark's tcp.stream or udp.stream. */
  readonly stream: number;
  readonly ipVersion: number;
  /** VLAN ids of A's packets (A sent the packet that created the flow). */
  readonly vlanOuter: number;
  readonly vlanInner: number;
  /** The chunk of the flow table's AddressSlab holding the address words (A, then B), at `wordsAt(slot)`. */
  readonly words: Uint32Array;
  /** The slot of the address words in the flow table's AddressSlab. */
  readonly slot: number;
  readonly aPort: number;
  readonly bPort: number;
  /** VLAN ids of B's packets: the same as A's unless B was seen tagged differently. */
  bVlanOuter: number;
  bVlanInner: number;
  /**
   * The flow's yes/no facts, one bit each (FLOW_*, and the subclass's from FLOW_SUBCLASS_BITS
   * up): each field of a flow costs 8 bytes, and tens of thousands are held at once.
   */
  protected bits = 0;
  /**
   * @internal Capture times of the flow (start, last) and then of its endpoints, in one array of
   * unboxed doubles that the subclass makes: a number field holding a fraction costs a field and
   * a 16-byte box of its own, per time per flow held.
   */
  readonly times: number[];
  /** The endpoint that opened the flow, or our best guess, and its peer. */
  client: E;
  server: E;

  firstFrame: number;
  lastFrame: number;
  startSec: number;
  startNsec: number;
  endSec: number;
  endNsec: number;
  packets = 0;
  icmp: IcmpLink[] = EMPTY_LIST;
  /**
   * @internal What the listeners of this flow's events keep about it (the rules' own facts), one
   * slot per listener; null until one keeps anything, so most flows carry one null field.
   */
  listenerState: unknown[] | null = null;

  // Flow-table bookkeeping.
  /** @internal */ hash = 0;
  /** @internal */ nextInBucket: this | null = null;
  /** @internal */ lruPrev: this | null = null;
  /** @internal */ lruNext: this | null = null;
  /** @internal */ lruList = 0;

  /**
   * `key` is the creating packet's identity: its sender becomes endpoint A. Its address words are
   * already in `words` at slot `slot` (see AddressSlab).
   */
  protected constructor(stream: number, key: FlowKeyView, words: Uint32Array, slot: number, endpoint: EndpointClass<E>, aIsClient: boolean, frame: number, tsSec: number, tsNsec: number, times: number[]) {
    super();
    const a = new endpoint(this, key.srcPort, 0);
    const b = new endpoint(this, key.dstPort, 1);
    this.stream = stream;
    this.ipVersion = key.ipVersion;
    this.vlanOuter = key.vlanOuter;
    this.vlanInner = key.vlanInner;
    this.bVlanOuter = key.vlanOuter;
    this.bVlanInner = key.vlanInner;
    this.words = words;
    this.slot = slot;
    this.aPort = key.srcPort;
    this.bPort = key.dstPort;
    this.client = aIsClient ? a : b;
    this.server = aIsClient ? b : a;
    this.clientIsA = aIsClient;
    this.firstFrame = frame;
    this.lastFrame = frame;
    this.startSec = tsSec;
    this.startNsec = tsNsec;
    this.endSec = tsSec;
    this.endNsec = tsNsec;
    this.times = times;
  }

  /** The first and last packets, for drawing a finding's evidence (bounded; see PacketLog): the flow itself. */
  get log(): PacketLog {
    return this;
  }

  /** Capture time of the first packet (or ICMP error) and of the latest. */
  get startTime(): number {
    return this.times[START_TIME]!;
  }
  get lastTime(): number {
    return this.times[LAST_TIME]!;
  }
  set lastTime(t: number) {
    this.times[LAST_TIME] = t;
  }

  /** True once B has sent a packet. */
  get bSeen(): boolean {
    return (this.bits & FLOW_B_SEEN) !== 0;
  }
  set bSeen(yes: boolean) {
    this.setBit(FLOW_B_SEEN, yes);
  }
  /** True while the client is endpoint A. */
  get clientIsA(): boolean {
    return (this.bits & FLOW_CLIENT_IS_A) !== 0;
  }
  set clientIsA(yes: boolean) {
    this.setBit(FLOW_CLIENT_IS_A, yes);
  }
  /** Findings decided for this flow (set by the engine). */
  get decided(): boolean {
    return (this.bits & FLOW_DECIDED) !== 0;
  }
  set decided(yes: boolean) {
    this.setBit(FLOW_DECIDED, yes);
  }
  /**
   * Set aside while still open because the flow cap was reached (or brought back from such a
   * flow's tombstone): what the capture showed of it is incomplete, so it is never judged.
   */
  get evicted(): boolean {
    return (this.bits & FLOW_EVICTED) !== 0;
  }
  set evicted(yes: boolean) {
    this.setBit(FLOW_EVICTED, yes);
  }

  protected setBit(bit: number, yes: boolean): void {
    this.bits = yes ? this.bits | bit : this.bits & ~bit;
  }

  /** The textual address of one of this flow's endpoints. */
  addressOf(endpoint: object): string {
    const isA = (endpoint === this.client) === this.clientIsA;
    return formatAddress(this.ipVersion, this.words, wordsAt(this.slot) + (isA ? 0 : 4));
  }

  /** A flow brought back from its tombstone keeps the client it had. */
  protected orient(clientIsA: boolean): void {
    if (clientIsA === this.clientIsA) return;
    const c = this.client;
    this.client = this.server;
    this.server = c;
    this.clientIsA = clientIsA;
  }

  /** Record an ICMP error that quoted a packet of this flow. */
  linkIcmp(link: IcmpLink): void {
    if (this.icmp.length === 0) this.icmp = [link];
    else if (this.icmp.length < MAX_TRACKED_EVENTS) this.icmp.push(link);
    if (link.time > this.lastTime) this.lastTime = link.time;
  }
}
