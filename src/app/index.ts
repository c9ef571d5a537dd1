/**
 * Application context for findings: the recognisers, tried in order on the kept bytes of a
 * conversation (TCP: the reassembled first and last bytes of each direction; UDP: the first
 * datagrams of exchanges on the ports a datagram recogniser declares). The first that recognises
 * its protocol wins.
 */
import type { StreamReassembler } from '../flow/reassembly.js';
import type { TcpConversation, TcpEndpoint } from '../flow/tcp.js';
import type { KeptDatagram, UdpExchange } from '../flow/udp.js';
import { recogniseFtp } from './ftp.js';
import { recogniseHttp } from './http.js';
import { recogniseMysql } from './mysql.js';
import { recognisePostgresql } from './postgresql.js';
import { recogniseRedis } from './redis.js';
import { recogniseSmtp } from './smtp.js';
import { recogniseSqlBrowser, SQL_BROWSER_PORT } from './sql-browser.js';
import { recogniseSsh } from './ssh.js';
import { recogniseTds } from './tds.js';
import { recogniseTls, TLS_HANDSHAKE_FAILURE_OPENS, tlsHandshakeFailure } from './tls.js';
import { applicationRefusal, REFUSAL_READERS } from './refusal.js';
import type { FaultSink } from '../model/faults.js';
import type { ApplicationContext, ConversationStreams, NamedRecogniser, StreamEnd, StreamOpening, StreamView } from './types.js';

export type { ApplicationContext, ConversationStreams, NamedRecogniser, StreamOpening, StreamRecogniser, StreamView } from './types.js';

/** TCP recognisers, most specific first (each checks its own first bytes before anything else). */
export const STREAM_RECOGNISERS: readonly NamedRecogniser[] = [
  { name: 'tls', recognise: recogniseTls },
  { name: 'tds', recognise: recogniseTds },
  { name: 'http', recognise: recogniseHttp },
  { name: 'ssh', recognise: recogniseSsh },
  { name: 'postgresql', recognise: recognisePostgresql },
  { name: 'mysql', recognise: recogniseMysql },
  { name: 'redis', recognise: recogniseRedis },
  { name: 'smtp', recognise: recogniseSmtp },
  { name: 'ftp', recognise: recogniseFtp },
];

/**
 * A recogniser of UDP exchanges. It declares the ports whose datagrams it reads: the flow table
 * keeps the first datagrams' bytes of exchanges on those ports only (see udpPayloadPorts).
 */
export interface DatagramRecogniser {
  name: string;
  /** UDP ports (either side's) of the exchanges it recognises. */
  udpPorts: readonly number[];
  recognise: (datagrams: readonly KeptDatagram[]) => ApplicationContext | null;
}

/** UDP recognisers, tried in order on the exchanges of their ports. */
export const DATAGRAM_RECOGNISERS: readonly DatagramRecogniser[] = [{ name: 'sql-browser', udpPorts: [SQL_BROWSER_PORT], recognise: recogniseSqlBrowser }];

/** The UDP ports whose datagrams' bytes the flow table must keep for `recognisers`. */
export function udpPayloadPorts(recognisers: readonly DatagramRecogniser[] = DATAGRAM_RECOGNISERS): number[] {
  return [...new Set(recognisers.flatMap((r) => r.udpPorts))];
}

/** Where a recogniser's fault goes: its name, and the error. */
export type RecogniserFaultSink = (recogniser: string, error: unknown) => void;

const EMPTY = new Uint8Array(0);

/**
 * One direction's kept bytes, read in place: the head is a view of the reassembler's bytes, and
 * the tail is looked at only when a reader asks for it (most stop at the first bytes). Valid
 * while the conversation is being decided: its bytes go back to the pool after.
 */
class KeptStreamView implements StreamView {
  readonly head: Uint8Array;
  readonly length: number;
  readonly complete: boolean;
  readonly gaps: number;
  private tailBytes: Uint8Array | null = null;

  constructor(
    private readonly stream: StreamReassembler,
    readonly ended: StreamEnd,
  ) {
    stream.settle();
    const listed = stream.gaps;
    const firstGap = listed.length > 0 ? listed[0]!.offset : Infinity;
    const kept = stream.keptHead();
    this.head = kept.length > firstGap ? kept.subarray(0, firstGap) : kept;
    this.length = stream.length;
    this.gaps = stream.gapCount;
    this.complete = this.gaps === 0 && !stream.wasStarved && this.head.length === this.length;
  }

  /** The contiguous bytes at the end of the stream, after the last gap. */
  get tail(): Uint8Array {
    if (this.tailBytes === null) {
      const s = this.stream;
      const tail = s.keptTail();
      const lastGapEnd = s.lastGapEnded;
      const tailOffset = s.tailOffset;
      this.tailBytes = lastGapEnd > tailOffset ? tail.subarray(Math.min(tail.length, lastGapEnd - tailOffset)) : tail;
    }
    return this.tailBytes;
  }
}

/** What the recognisers see of one direction. */
export function streamView(stream: StreamReassembler | null, ended: StreamEnd): StreamView {
  if (stream === null) return { head: EMPTY, tail: EMPTY, length: 0, complete: true, gaps: 0, ended };
  return new KeptStreamView(stream, ended);
}

/** How one side of a TCP conversation ended, as far as the capture shows. */
export function endOf(e: TcpEndpoint): StreamEnd {
  return e.rstFrame >= 0 ? 'rst' : e.finFrame >= 0 ? 'fin' : 'open';
}

/**
 * Run the recognisers on two stream views, in order; the first that recognises its protocol
 * wins. Never throws: a recogniser's fault goes to `onFault` and the next one is tried.
 */
export function recogniseStreams(streams: ConversationStreams, recognisers: readonly NamedRecogniser[] = STREAM_RECOGNISERS, onFault?: RecogniserFaultSink): ApplicationContext | null {
  if (streams.client.length === 0 && streams.server.length === 0) return null;
  for (const r of recognisers) {
    let ctx: ApplicationContext | null = null;
    try {
      ctx = r.recognise(streams);
    } catch (e) {
      onFault?.(r.name, e); // Arbitrary bytes are a recogniser's input: its bug must not end the analysis.
      ctx = null;
    }
    if (ctx) {
      if (streams.client.gaps > 0 || streams.server.gaps > 0) ctx.incomplete = true;
      return ctx;
    }
  }
  return null;
}

/** Both directions of a TCP conversation as the recognisers see them. */
export function conversationStreams(c: TcpConversation): ConversationStreams {
  return {
    client: streamView(c.client.stream, endOf(c.client)),
    server: streamView(c.server.stream, endOf(c.server)),
    serverPort: c.server.port,
  };
}

/** The application context of a TCP conversation, from its reassembled streams. */
export function tcpApplicationContext(c: TcpConversation, recognisers: readonly NamedRecogniser[] = STREAM_RECOGNISERS, onFault?: RecogniserFaultSink): ApplicationContext | null {
  if (c.client.stream === null && c.server.stream === null) return null;
  return recogniseStreams(conversationStreams(c), recognisers, onFault);
}

/**
 * Whether a conversation that closed in order (FIN both ways, nothing else amiss) still needs its
 * kept bytes because they show an application refusing the other side before the close (a TLS
 * alert ending the handshake, a login refused, a gateway error): the flow table frees the bytes of the others at once.
 */
export function refusedBeforeClose(c: TcpConversation): boolean {
  if (c.client.stream === null && c.server.stream === null) return false;
  if (!mayShowRefusal(c)) return false;
  const streams = conversationStreams(c);
  return tlsHandshakeFailure(streams) !== null || applicationRefusal(streams) !== null;
}

/**
 * The openings of the conversations the refusal readers read (a TLS handshake failure and each
 * protocol's refusal), as one table: per side, per offset, which byte values open one.
 */
class OpeningTable {
  /** Offsets looked at, per side (client 0, server 1), each with a 256-entry table of byte values. */
  private readonly at: Array<Array<{ offset: number; values: Uint8Array }>> = [[], []];

  constructor(openings: readonly StreamOpening[]) {
    for (const o of openings) {
      const list = this.at[o.side === 'client' ? 0 : 1]!;
      let entry = list.find((e) => e.offset === o.offset);
      if (entry === undefined) list.push((entry = { offset: o.offset, values: new Uint8Array(256) }));
      for (const b of o.bytes) entry.values[b] = 1;
    }
  }

  /** Whether the conversation's kept first bytes match an opening (a look at single bytes: no copy). */
  opens(c: TcpConversation): boolean {
    return this.sideOpens(c.client.stream, 0) || this.sideOpens(c.server.stream, 1);
  }

  private sideOpens(stream: StreamReassembler | null, side: number): boolean {
    if (stream === null) return false;
    for (const { offset, values } of this.at[side]!) {
      const b = stream.headByte(offset);
      if (b >= 0 && values[b] === 1) return true;
    }
    return false;
  }
}

const REFUSAL_OPENINGS = new OpeningTable([...TLS_HANDSHAKE_FAILURE_OPENS, ...REFUSAL_READERS.flatMap((r) => r.opens)]);

/**
 * Whether the first bytes could open a conversation in which a refusal is recognised, as the
 * readers declare them (TLS_HANDSHAKE_FAILURE_OPENS, REFUSAL_READERS). Run on every conversation
 * closed in order, it spares most of them the full check.
 */
function mayShowRefusal(c: TcpConversation): boolean {
  return REFUSAL_OPENINGS.opens(c);
}

/** The application context of a UDP exchange, from its kept datagrams, by the recognisers of its ports. */
export function udpApplicationContext(u: UdpExchange, onFault?: RecogniserFaultSink, recognisers: readonly DatagramRecogniser[] = DATAGRAM_RECOGNISERS): ApplicationContext | null {
  if (u.datagrams === null || u.datagrams.length === 0) return null;
  for (const r of recognisers) {
    if (!r.udpPorts.includes(u.aPort) && !r.udpPorts.includes(u.bPort)) continue;
    try {
      const ctx = r.recognise(u.datagrams);
      if (ctx) return ctx;
    } catch (e) {
      onFault?.(r.name, e);
    }
  }
  return null;
}

/**
 * `details` with `application` added when the flow's bytes say what was going on. A recogniser's
 * fault goes to `onFault` with the flow and the conversation's last frame.
 */
export function withApplication(flow: TcpConversation | UdpExchange, details: Record<string, unknown>, recognisers: readonly NamedRecogniser[] = STREAM_RECOGNISERS, onFault?: FaultSink): Record<string, unknown> {
  if (details.application !== undefined) return details;
  const sink: RecogniserFaultSink | undefined = onFault && ((name, e) => onFault(`recogniser ${name}`, flow.lastFrame, flow, e));
  const application = flow.kind === 'tcp' ? tcpApplicationContext(flow, recognisers, sink) : udpApplicationContext(flow, sink);
  return application ? { ...details, application } : details;
}
