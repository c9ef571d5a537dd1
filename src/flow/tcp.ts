/**
 * A TCP conversation: per-endpoint state, a Zeek-style history string, and the facts the rules
 * need (SYN retries, the answer to the SYN, resets, FINs, data retransmission series), all
 * bounded in size whatever the conversation's length.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Packet } from '../decode/packet.js';
import type { FlowKeyView } from './key.js';
import { seqAdd, seqLt, seqLte } from './seq.js';

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

/** One transmission of a data segment in a retransmission series. */
export interface Transmission {
  frame: number;
  time: number;
}

/** A segment sent again and again: the series the `connection-aborted` rule looks at. */
export interface RetransmissionSeries {
  seq: number;
  length: number;
  /** The original transmission when known, then each retransmission, in order (bounded). */
  sends: Transmission[];
  /** Retransmissions counted (may exceed sends.length - 1 when the list is full). */
  retransmissions: number;
  /** Set when the peer acknowledged the segment. */
  acked: boolean;
}

/** What one endpoint did. */
export class TcpEndpoint {
  packets = 0;
  /** Payload bytes sent (retransmissions included). */
  bytes = 0;
  /** Payload bytes of new data (retransmissions excluded). */
  newBytes = 0;
  /** SYNs (without ACK) sent: frames and times, bounded; `synCount` counts all. */
  synCount = 0;
  synFrames: number[] = [];
  synTimes: number[] = [];
  /** SYN-ACKs sent. */
  synAckCount = 0;
  synAckFrames: number[] = [];
  synAckTimes: number[] = [];
  /** Initial sequence number (from the first SYN or SYN-ACK), -1 if none. */
  isn = -1;
  /** Wireshark's base sequence: seq of this side's first segment (SYN or not), -1 if none. */
  baseSeq = -1;
  /** Next sequence number expected after everything this side sent; valid when `seqValid`. */
  nextSeq = 0;
  seqValid = false;
  /** Highest ACK this side sent; valid when `ackValid`. */
  highestAck = 0;
  ackValid = false;
  /** Pure ACKs (no SYN/FIN/RST) sent. */
  acksSent = 0;
  finFrame = -1;
  finTime = 0;
  rstFrame = -1;
  rstTime = 0;
  rstCount = 0;
  /** Frames of RSTs sent (bounded). */
  rstFrames: number[] = [];
  rstTimes: number[] = [];
  /** Last frame/time that carried payload. */
  lastDataFrame = -1;
  lastDataTime = 0;
  /** Data segments sent again. */
  retransmissions = 0;
  /** The current unacknowledged retransmission series, or null. */
  series: RetransmissionSeries | null = null;
  /** The longest series seen that was never acknowledged, kept after a newer series starts. */
  worstSeries: RetransmissionSeries | null = null;
  /** Recently sent new segments: seq → first transmission, for the original send time of a retransmitted segment. */
  recent: Array<{ seq: number; frame: number; time: number }> = [];
  /** Zero-window advertisements sent. */
  zeroWindows = 0;

  constructor(
    readonly address: string,
    readonly port: number,
  ) {}
}

/** Lifecycle of the connection as far as the capture shows it. */
export type TcpPhase = 'syn-sent' | 'syn-received' | 'established' | 'midstream' | 'closed';

/** A TCP conversation, as Wireshark's `tcp.stream` numbers them. */
export class TcpConversation {
  readonly kind = 'tcp';
  /** Wireshark's tcp.stream. */
  readonly stream: number;
  readonly ipVersion: number;
  readonly vlanOuter: number;
  readonly vlanInner: number;
  /** The endpoint that opened the connection (sent the first SYN), or our best guess. */
  client: TcpEndpoint;
  server: TcpEndpoint;
  /** Address words and port of endpoint A (the sender of the first packet), for direction tests. */
  readonly aWords: Uint32Array;
  readonly aPort: number;
  readonly bWords: Uint32Array;
  readonly bPort: number;
  bVlanOuter: number;
  bVlanInner: number;
  bSeen = false;
  /** True while the client is endpoint A. */
  clientIsA: boolean;

  firstFrame: number;
  lastFrame: number;
  startSec: number;
  startNsec: number;
  startTime: number;
  lastTime: number;
  endSec: number;
  endNsec: number;
  packets = 0;

  /** The server answered the first SYN with SYN-ACK. */
  synAckSeen = false;
  /** Handshake completed: SYN, SYN-ACK, then an ACK from the SYN sender. */
  established = false;
  establishedFrame = -1;
  /** The capture began after the handshake (first packet was not a SYN/SYN-ACK). */
  midstream = false;
  /** A RST came from the server while only SYNs had been seen from the client (refusal), per attempt. */
  refusals: Array<{ synFrame: number; synTime: number; rstFrame: number; rstTime: number }> = [];
  /** The client sent a SYN and then received a RST while the handshake was incomplete. */
  closed = false;
  closedTime = 0;
  /** Frame of the first RST after the handshake completed, -1 if none. */
  firstRstAfterHandshake = -1;
  history = '';
  private historySeen = 0;
  icmp: IcmpLink[] = [];
  /** Findings decided for this conversation (set by the engine). */
  decided = false;

  // Flow-table bookkeeping.
  /** @internal */ hash = 0;
  /** @internal */ nextInBucket: TcpConversation | null = null;
  /** @internal */ lruPrev: TcpConversation | null = null;
  /** @internal */ lruNext: TcpConversation | null = null;
  /** @internal */ lruList = 0;

  /**
   * `key` is the creating packet's identity (its sender becomes endpoint A); `flags` are its TCP
   * flags (-1 when unknown, e.g. created from an ICMP quote).
   */
  constructor(stream: number, key: FlowKeyView, flags: number, frame: number, tsSec: number, tsNsec: number, time: number, aAddress: string, bAddress: string) {
    this.stream = stream;
    this.ipVersion = key.ipVersion;
    this.vlanOuter = key.vlanOuter;
    this.vlanInner = key.vlanInner;
    this.bVlanOuter = key.vlanOuter;
    this.bVlanInner = key.vlanInner;
    this.aWords = key.addr.slice(0, 4);
    this.bWords = key.addr.slice(4, 8);
    this.aPort = key.srcPort;
    this.bPort = key.dstPort;
    const a = new TcpEndpoint(aAddress, key.srcPort);
    const b = new TcpEndpoint(bAddress, key.dstPort);
    // The originator is who sent the SYN; a SYN-ACK's receiver; else the sender of the first
    // packet, unless its port looks like the server's (capture began mid-connection).
    let aIsClient = true;
    if (flags >= 0 && (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) aIsClient = false;
    else if ((flags < 0 || !(flags & TCP_SYN)) && key.srcPort < 1024 && key.dstPort >= 1024) aIsClient = false;
    this.client = aIsClient ? a : b;
    this.server = aIsClient ? b : a;
    this.clientIsA = aIsClient;
    this.midstream = flags >= 0 && !(flags & TCP_SYN);
    this.firstFrame = frame;
    this.lastFrame = frame;
    this.startSec = tsSec;
    this.startNsec = tsNsec;
    this.endSec = tsSec;
    this.endNsec = tsNsec;
    this.startTime = time;
    this.lastTime = time;
  }

  private mark(letter: string, bit: number, fromClient: boolean): void {
    const b = fromClient ? bit : bit << 8;
    if (this.historySeen & b) return;
    this.historySeen |= b;
    this.history += fromClient ? letter.toUpperCase() : letter;
  }

  /** Account one TCP segment. `fromA` says which endpoint sent it. */
  update(p: Packet, fromA: boolean): void {
    const fromClient = fromA === this.clientIsA;
    const snd = fromClient ? this.client : this.server;
    const rcv = fromClient ? this.server : this.client;
    if (!fromA) this.bSeen = true;
    const flags = p.tcpFlags;
    const seq = p.tcpSeq;
    // Sequence space follows the length on the wire, not what the snaplen kept.
    const len = p.wirePayloadLength;
    const t = p.time;
    this.packets++;
    this.lastFrame = p.frame;
    this.lastTime = t;
    this.endSec = p.tsSec;
    this.endNsec = p.tsNsec;
    snd.packets++;
    if (snd.baseSeq < 0) snd.baseSeq = seq;

    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    const fin = (flags & TCP_FIN) !== 0;

    if (syn && !ack) {
      snd.synCount++;
      if (snd.synFrames.length < MAX_TRACKED_EVENTS) {
        snd.synFrames.push(p.frame);
        snd.synTimes.push(t);
      }
      if (snd.isn < 0) snd.isn = seq;
      this.mark('s', 1, fromClient);
    } else if (syn && ack) {
      snd.synAckCount++;
      if (snd.synAckFrames.length < MAX_TRACKED_EVENTS) {
        snd.synAckFrames.push(p.frame);
        snd.synAckTimes.push(t);
      }
      if (snd.isn < 0) snd.isn = seq;
      if (!fromClient) this.synAckSeen = true;
      this.mark('h', 2, fromClient);
    }

    if (rst) {
      snd.rstCount++;
      if (snd.rstFrame < 0) {
        snd.rstFrame = p.frame;
        snd.rstTime = t;
      }
      if (snd.rstFrames.length < MAX_TRACKED_EVENTS) {
        snd.rstFrames.push(p.frame);
        snd.rstTimes.push(t);
      }
      this.mark('r', 4, fromClient);
      // Refusal: the server resets while the client has sent only SYNs since the start or since
      // the previous refusal (Windows retries a refused SYN from the same port).
      if (!fromClient && this.synRun === 'syns') {
        const n = this.client.synFrames.length;
        this.refusals.push({
          synFrame: n > 0 ? this.client.synFrames[n - 1]! : -1,
          synTime: n > 0 ? this.client.synTimes[n - 1]! : t,
          rstFrame: p.frame,
          rstTime: t,
        });
      }
      if (this.established && this.firstRstAfterHandshake < 0) this.firstRstAfterHandshake = p.frame;
      if (!this.closed) {
        this.closed = true;
        this.closedTime = t;
      }
    }
    // The run of client-only SYNs that makes a refusal (see `synRun`).
    if (syn && !ack && !rst && fromClient) {
      this.synRun = this.synRun === 'broken' ? 'broken' : 'syns';
    } else if (rst && !fromClient && this.synRun === 'syns') {
      this.synRun = 'after-refusal';
    } else {
      this.synRun = 'broken';
    }

    if (fin) {
      if (snd.finFrame < 0) {
        snd.finFrame = p.frame;
        snd.finTime = t;
      }
      this.mark('f', 8, fromClient);
      if (this.client.finFrame >= 0 && this.server.finFrame >= 0 && !this.closed) {
        this.closed = true;
        this.closedTime = t;
      }
    }

    // Handshake completion: the SYN sender ACKs (no SYN, no RST) after the peer's SYN-ACK.
    if (ack && !syn && !rst && fromClient && this.synAckSeen && this.client.synCount > 0 && !this.established) {
      this.established = true;
      this.establishedFrame = p.frame;
    }

    // Sequence space: SYN and FIN each take one number.
    const segEnd = seqAdd(seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
    if (len > 0) {
      snd.bytes += len;
      snd.lastDataFrame = p.frame;
      snd.lastDataTime = t;
      this.mark('d', 16, fromClient);
      const isRetransmission = snd.seqValid && seqLte(segEnd, snd.nextSeq) && !(len === 1 && seqAdd(seq, 1) === snd.nextSeq && !rst && this.isKeepAliveCandidate(snd));
      if (isRetransmission && !rst) {
        snd.retransmissions++;
        this.mark('t', 32, fromClient);
        this.trackRetransmission(snd, seq, len, p.frame, t);
      } else if (!rst) {
        snd.newBytes += len;
        if (snd.recent.length >= 8) snd.recent.shift();
        snd.recent.push({ seq, frame: p.frame, time: t });
      }
    }
    if (!rst && (!snd.seqValid || seqLt(snd.nextSeq, segEnd))) {
      snd.nextSeq = segEnd;
      snd.seqValid = true;
    }

    if (ack && !rst) {
      const a = p.tcpAck;
      if (!snd.ackValid || seqLt(snd.highestAck, a)) {
        snd.highestAck = a;
        snd.ackValid = true;
      }
      // The receiver's series ends when this ACK covers its segment.
      const s = rcv.series;
      if (s && seqLt(s.seq, a)) {
        s.acked = true;
        rcv.series = null;
      }
      if (!syn && !fin && len === 0) snd.acksSent++;
      if (!syn && len === 0 && !fin) this.mark('a', 64, fromClient);
    }
    if (p.tcpWindow === 0 && !rst && !syn) {
      snd.zeroWindows++;
      this.mark('w', 128, fromClient);
    }
  }

  /**
   * 'start': nothing yet; 'syns': only client SYNs since the start or the last refusal;
   * 'after-refusal': the last packet was a refusing RST; 'broken': anything else happened.
   */
  private synRun: 'start' | 'syns' | 'after-refusal' | 'broken' = 'start';

  /** A 1-byte segment one below the next sequence after idle is a keep-alive probe, not a retransmission. */
  private isKeepAliveCandidate(snd: TcpEndpoint): boolean {
    return snd.series === null;
  }

  private trackRetransmission(snd: TcpEndpoint, seq: number, len: number, frame: number, time: number): void {
    let s = snd.series;
    if (!s || s.seq !== seq) {
      // A new series: start from the original transmission when we still remember it.
      if (s && !s.acked && (!snd.worstSeries || s.retransmissions >= snd.worstSeries.retransmissions)) snd.worstSeries = s;
      const original = snd.recent.find((r) => r.seq === seq);
      s = { seq, length: len, sends: original ? [{ frame: original.frame, time: original.time }] : [], retransmissions: 0, acked: false };
      snd.series = s;
    }
    s.retransmissions++;
    if (s.sends.length < MAX_TRACKED_EVENTS) s.sends.push({ frame, time });
    else s.sends[s.sends.length - 1] = { frame, time };
  }

  /** The unacknowledged series with the most retransmissions sent by `side`, if any. */
  stuckSeries(side: TcpEndpoint): RetransmissionSeries | null {
    const cur = side.series && !side.series.acked ? side.series : null;
    const worst = side.worstSeries && !side.worstSeries.acked ? side.worstSeries : null;
    if (cur && worst) return cur.retransmissions >= worst.retransmissions ? cur : worst;
    return cur ?? worst;
  }

  /** Record an ICMP error that quoted a packet of this conversation. */
  linkIcmp(link: IcmpLink): void {
    if (this.icmp.length < MAX_TRACKED_EVENTS) this.icmp.push(link);
    this.lastTime = Math.max(this.lastTime, link.time);
  }
}
