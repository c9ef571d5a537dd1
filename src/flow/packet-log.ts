/**
 * A bounded per-conversation log of packets, kept so that reporters can draw the evidence of
 * a finding as a ladder: the first PACKET_LOG_HEAD packets of a conversation (the handshake,
 * or the first datagrams) and a ring of the last PACKET_LOG_TAIL (the failure).
 *
 * Each entry is three numbers (frame, capture time, a packed word of facts) in one flat
 * number array, so recording a packet writes three slots and allocates nothing once the
 * array has grown to its bound (at most (HEAD + TAIL) × 3 numbers per conversation). The
 * first packet is kept in fields, so a one-packet conversation (a scan probe) allocates no
 * array.
 */

/** Packets kept from the start of a conversation. */
export const PACKET_LOG_HEAD = 32;
/** Packets kept from the end of a conversation (a ring). */
export const PACKET_LOG_TAIL = 32;

const STRIDE = 3;
const CAPACITY = PACKET_LOG_HEAD + PACKET_LOG_TAIL;
/** Entries after the first that a log has room for when it gets its array. */
const FIRST_ROOM = 4;

// The packed word, known only to this module: writers call recordSegment or recordDatagram,
// readers get decoded entries (segmentAt, datagramAt). TCP: the flags byte as on the wire, the
// bits below, then the payload length from bit 11. UDP: the bits below, a DNS RCODE at bits
// 12-15, the length from bit 16.
/** The packet came from endpoint A (the sender of the conversation's first packet). */
const FROM_A = 0x100;
/** TCP: the segment (SYN, SYN-ACK or data) had been sent before. */
const TCP_RETRANSMISSION = 0x200;
/** TCP: the sender advertised a zero window. */
const TCP_ZERO_WINDOW = 0x400;
/** TCP: multiplier of the payload length. */
const TCP_LENGTH_UNIT = 0x800;
/** UDP: the datagram carried a DNS message. */
const UDP_DNS = 0x200;
/** UDP: the DNS message was a response. */
const UDP_DNS_RESPONSE = 0x400;
/** UDP: multiplier of the DNS RCODE (0-15). */
const UDP_DNS_RCODE_UNIT = 0x1000;
/** UDP: multiplier of the payload length. */
const UDP_LENGTH_UNIT = 0x10000;

/** One logged TCP segment, as a ladder draws it. */
export interface LoggedSegment {
  frame: number;
  /** Capture time, seconds. */
  time: number;
  /** Sent by endpoint A (the sender of the conversation's first packet). */
  fromA: boolean;
  /** The TCP flags byte as on the wire (TCP_SYN, TCP_ACK… of decode/packet). */
  flags: number;
  /** Payload bytes. */
  length: number;
  /** The segment (SYN, SYN-ACK or data) had been sent before. */
  retransmission: boolean;
  /** The sender advertised a zero window. */
  zeroWindow: boolean;
}

/** One logged UDP datagram, as a ladder draws it. */
export interface LoggedDatagram {
  frame: number;
  /** Capture time, seconds. */
  time: number;
  /** Sent by endpoint A (the sender of the conversation's first packet). */
  fromA: boolean;
  /** Payload bytes. */
  length: number;
  /** The DNS message it carried: a query, or a response with its RCODE; null when none. */
  dns: { response: boolean; rcode: number } | null;
}

/**
 * The bounded packet log of one conversation. Flows extend it (one object per flow held instead
 * of two); `flow.log` is the flow itself.
 */
export class PacketLog {
  /** Packets recorded, including those overwritten in the ring. */
  count = 0;
  // The first packet is kept inline: most conversations of a scan or a SYN flood have only one,
  // and then no array is allocated at all.
  private headFrame = 0;
  private headTime = 0;
  private headFacts = 0;
  /** Entries 1 onwards: frame, time, facts; then the next packet. */
  private rest: number[] | null = null;

  /** Record one TCP segment (called per packet: no allocation once the log is full). */
  recordSegment(frame: number, time: number, fromA: boolean, flags: number, length: number, retransmission: boolean, zeroWindow: boolean): void {
    const bits = (flags & 0xff) | (fromA ? FROM_A : 0) | (retransmission ? TCP_RETRANSMISSION : 0) | (zeroWindow ? TCP_ZERO_WINDOW : 0);
    this.record(frame, time, bits + length * TCP_LENGTH_UNIT);
  }

  /** Record one UDP datagram and the DNS message it carried, if any (called per packet). */
  recordDatagram(frame: number, time: number, fromA: boolean, length: number, dns: { readonly response: boolean; readonly rcode: number } | null): void {
    const bits = (fromA ? FROM_A : 0) | (dns ? UDP_DNS | (dns.response ? UDP_DNS_RESPONSE : 0) | (dns.rcode & 15) * UDP_DNS_RCODE_UNIT : 0);
    this.record(frame, time, bits + length * UDP_LENGTH_UNIT);
  }

  /** Record one packet's frame, time and packed facts. */
  private record(frame: number, time: number, facts: number): void {
    const n = this.count++;
    if (n === 0) {
      this.headFrame = frame;
      this.headTime = time;
      this.headFacts = facts;
      return;
    }
    if (n < CAPACITY) {
      const at = (n - 1) * STRIDE;
      let d = this.rest;
      if (d === null || at === d.length) d = this.grow(at);
      d[at] = frame;
      d[at + 1] = time;
      d[at + 2] = facts;
      return;
    }
    const d = this.rest!;
    const i = (PACKET_LOG_HEAD - 1 + ((n - PACKET_LOG_HEAD) % PACKET_LOG_TAIL)) * STRIDE;
    d[i] = frame;
    d[i + 1] = time;
    d[i + 2] = facts;
  }

  /**
   * Room for twice the entries (FIRST_ROOM at first, CAPACITY - 1 at most), holding the `used`
   * numbers already kept. A push would let V8 grow the array by half plus 16 slots: 46 numbers
   * for a conversation of eight packets, where this keeps 24.
   */
  private grow(used: number): number[] {
    const entries = used === 0 ? FIRST_ROOM : Math.min(CAPACITY - 1, (used / STRIDE) * 2);
    // Filled with a double so that the array holds unboxed doubles from the start.
    const d = new Array<number>(entries * STRIDE).fill(0.5);
    const old = this.rest;
    if (old !== null) for (let i = 0; i < used; i++) d[i] = old[i]!;
    this.rest = d;
    return d;
  }

  /** The entry of `frame`, or -1 when it was never logged or has been overwritten. */
  indexOf(frame: number): number {
    if (this.count === 0) return -1;
    if (this.headFrame === frame) return 0;
    const d = this.rest;
    // Only the entries recorded: the array's room beyond them holds filler.
    const used = Math.min(this.count - 1, CAPACITY - 1) * STRIDE;
    if (d) for (let i = 0; i < used; i += STRIDE) if (d[i] === frame) return i / STRIDE + 1;
    return -1;
  }

  /** The TCP segment logged as entry `i` (from `indexOf` or `entries`). */
  segmentAt(i: number): LoggedSegment {
    const bits = this.factsAt(i);
    return {
      frame: this.frameAt(i),
      time: this.timeAt(i),
      fromA: (bits & FROM_A) !== 0,
      flags: bits & 0xff,
      length: Math.floor(bits / TCP_LENGTH_UNIT),
      retransmission: (bits & TCP_RETRANSMISSION) !== 0,
      zeroWindow: (bits & TCP_ZERO_WINDOW) !== 0,
    };
  }

  /** The UDP datagram logged as entry `i` (from `indexOf` or `entries`). */
  datagramAt(i: number): LoggedDatagram {
    const bits = this.factsAt(i);
    return {
      frame: this.frameAt(i),
      time: this.timeAt(i),
      fromA: (bits & FROM_A) !== 0,
      length: Math.floor(bits / UDP_LENGTH_UNIT),
      dns: bits & UDP_DNS ? { response: (bits & UDP_DNS_RESPONSE) !== 0, rcode: Math.floor(bits / UDP_DNS_RCODE_UNIT) & 15 } : null,
    };
  }

  /**
   * The entries held, oldest first: the head, then the ring from its oldest packet. Made when a
   * finding is reported, never per packet.
   */
  entries(): number[] {
    const held = Math.min(this.count, CAPACITY);
    const out: number[] = [];
    if (this.count <= CAPACITY) {
      for (let i = 0; i < held; i++) out.push(i);
      return out;
    }
    for (let i = 0; i < PACKET_LOG_HEAD; i++) out.push(i);
    // The ring's slot of packet n (0-based) is PACKET_LOG_HEAD + (n - PACKET_LOG_HEAD) % TAIL.
    for (let n = this.count - PACKET_LOG_TAIL; n < this.count; n++) out.push(PACKET_LOG_HEAD + ((n - PACKET_LOG_HEAD) % PACKET_LOG_TAIL));
    return out;
  }

  /**
   * The position in `entries()` of the last head packet when packets between the head and the
   * ring were overwritten (its successor there is not the packet that followed it); -1 when the
   * log holds every packet.
   */
  overwrittenAfter(): number {
    return this.count > CAPACITY ? PACKET_LOG_HEAD - 1 : -1;
  }

  private frameAt(i: number): number {
    return i === 0 ? this.headFrame : this.rest![(i - 1) * STRIDE]!;
  }

  private timeAt(i: number): number {
    return i === 0 ? this.headTime : this.rest![(i - 1) * STRIDE + 1]!;
  }

  private factsAt(i: number): number {
    return i === 0 ? this.headFacts : this.rest![(i - 1) * STRIDE + 2]!;
  }
}
