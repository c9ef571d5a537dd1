/**
 * When tracked flows are decided, in capture time: each flow is on one timer list, by what its
 * state says it waits for (a handshake's answer, more data, nothing after a close), each list
 * ordered by last activity and with one timeout from timeouts.ts (gopacket's FlushOlderThan, with
 * a timeout per state). Also which flows go first when the flow cap is reached.
 */
import type { Flow } from './index.js';
import type { TcpConversation } from './tcp.js';
import type { UdpExchange } from './udp.js';
import { TCP_CLOSED_LINGER, TCP_HANDSHAKE_TIMEOUT, TCP_IDLE_TIMEOUT, TCP_REFUSED_LINGER, UDP_IDLE_TIMEOUT } from './timeouts.js';

/** The timer lists, numbered (0: on none). The order is the order a sweep decides them in. */
const TCP_CLOSED = 1;
/** Closed conversations that were refused: they linger longer, for the client's retries. */
const TCP_REFUSED = 2;
/** Conversations with SYNs and no answer yet. */
const TCP_HANDSHAKE = 3;
const TCP_OPEN = 4;
const UDP_OPEN = 5;
/** DNS exchanges whose every question was answered: decided as soon as a closed conversation. */
const UDP_SETTLED = 6;
const LISTS = 7;

/** What a timer list needs of a flow (every flow has it: see BaseFlow's bookkeeping). */
interface Timed {
  lruPrev: Timed | null;
  lruNext: Timed | null;
  lruList: number;
  readonly lastTime: number;
}

/** Intrusive list ordered by last activity (head: least recent), with the list's timeout. */
class TimerList {
  head: Timed | null = null;
  tail: Timed | null = null;
  size = 0;
  constructor(
    readonly id: number,
    /** Seconds of capture time without a packet after which a flow of this list is decided. */
    readonly timeout: number,
  ) {}

  push(x: Timed): void {
    x.lruList = this.id;
    x.lruPrev = this.tail;
    x.lruNext = null;
    if (this.tail) this.tail.lruNext = x;
    else this.head = x;
    this.tail = x;
    this.size++;
  }

  remove(x: Timed): void {
    if (x.lruPrev) x.lruPrev.lruNext = x.lruNext;
    else this.head = x.lruNext;
    if (x.lruNext) x.lruNext.lruPrev = x.lruPrev;
    else this.tail = x.lruPrev;
    x.lruPrev = x.lruNext = null;
    x.lruList = 0;
    this.size--;
  }

  /** The head when it is past the timeout at `now`. */
  due(now: number): Flow | null {
    const h = this.head;
    return h !== null && h.lastTime + this.timeout < now ? (h as unknown as Flow) : null;
  }
}

/** The list a conversation's state belongs to. */
function tcpListOf(c: TcpConversation): number {
  // A refusal (RST to SYNs, no SYN-ACK) lingers longer than other closed conversations.
  if (c.closed) return c.rejected && !c.synAckSeen && !c.established ? TCP_REFUSED : TCP_CLOSED;
  return c.established || c.midstream || c.synAckSeen ? TCP_OPEN : TCP_HANDSHAKE;
}

/** The timers of one flow table's flows. */
export class FlowExpiry {
  private readonly lists: TimerList[] = [];

  constructor() {
    const timeouts = [0, TCP_CLOSED_LINGER, TCP_REFUSED_LINGER, TCP_HANDSHAKE_TIMEOUT, TCP_IDLE_TIMEOUT, UDP_IDLE_TIMEOUT, TCP_CLOSED_LINGER];
    for (let id = 0; id < LISTS; id++) this.lists.push(new TimerList(id, timeouts[id]!));
  }

  /** Flows on a timer. */
  get size(): number {
    let n = 0;
    for (let id = 1; id < LISTS; id++) n += this.lists[id]!.size;
    return n;
  }

  /** Conversations with only SYNs, unanswered. */
  get unanswered(): number {
    return this.lists[TCP_HANDSHAKE]!.size;
  }

  /** Restart a conversation's timer on the list its state now belongs to (after each packet). */
  placeTcp(c: TcpConversation): void {
    this.place(c, tcpListOf(c));
  }

  /** The same for an exchange: a settled DNS exchange is decided sooner. */
  placeUdp(u: UdpExchange): void {
    this.place(u, u.dnsSettled ? UDP_SETTLED : UDP_OPEN);
  }

  private place(f: Timed, id: number): void {
    const want = this.lists[id]!;
    if (f.lruList === id && want.tail === f) return;
    if (f.lruList !== 0) this.lists[f.lruList]!.remove(f);
    want.push(f);
  }

  /** Take a flow off its timer. */
  remove(f: Flow): void {
    if (f.lruList !== 0) this.lists[f.lruList]!.remove(f);
  }

  /** A flow past its timeout at capture time `now`, the lists in their order; null when none. */
  due(now: number): Flow | null {
    for (let id = 1; id < LISTS; id++) {
      const f = this.lists[id]!.due(now);
      if (f !== null) return f;
    }
    return null;
  }

  /** The least recently active closed flow (settled DNS exchanges count as closed), or null. */
  oldestClosed(): Flow | null {
    return (this.lists[TCP_CLOSED]!.head ?? this.lists[TCP_REFUSED]!.head ?? this.lists[UDP_SETTLED]!.head) as Flow | null;
  }

  /** The least recently active open flow, or null. */
  oldestOpen(): Flow | null {
    return oldest(oldest(this.oldestUnanswered(), this.lists[TCP_OPEN]!.head as Flow | null), this.lists[UDP_OPEN]!.head as Flow | null);
  }

  /** The least recently active conversation with only unanswered SYNs, or null. */
  oldestUnanswered(): TcpConversation | null {
    return this.lists[TCP_HANDSHAKE]!.head as TcpConversation | null;
  }

  /** Every flow on a timer. */
  flows(): Flow[] {
    const all: Flow[] = [];
    for (let id = 1; id < LISTS; id++) for (let f = this.lists[id]!.head; f !== null; f = f.lruNext) all.push(f as unknown as Flow);
    return all;
  }
}

function oldest(a: Flow | null, b: Flow | null): Flow | null {
  if (!a) return b;
  if (!b) return a;
  return a.lastTime <= b.lastTime ? a : b;
}
