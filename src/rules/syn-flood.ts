import type { Packet } from '../decode/packet.js';
import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import { BoundedMap, conversationHostKey, count, ExplainedSample, hostKey, hostText, isConnectionAttempt, isProbeShaped } from './probe-shape.js';

/** Distinct sources, one SYN each, that make a flood of one service. */
export const FLOOD_SOURCES = 200;
/**
 * SYNs with random sources and random destinations (a flood aimed at a whole network, or a
 * generator's output) share no service; they are recognised capture-wide: at least this many,
 * nearly every source and destination seen once, and some addresses no TCP connection can have.
 */
export const SCATTERED_ATTEMPTS = 50;
/** Share of scattered attempts to or from multicast, broadcast or reserved addresses. */
const IMPOSSIBLE_SHARE = 0.05;
/** Services followed at once (a flood aims at few; a busy capture has many). */
const MAX_SERVICES = 1024;
/** Bits of each service's distinct-source sketch (linear counting, 1 KiB). */
const SOURCE_SKETCH_BITS = 8192;
/**
 * Attempts that enter the sketch: half its bits, where linear counting is still exact to a few
 * per cent. How many distinct sources these came from says whether the sources send one SYN
 * each; the total is scaled from it (a flood of a million SYNs would saturate any fixed sketch).
 */
const SKETCH_SAMPLE = SOURCE_SKETCH_BITS / 2;
/** Sources named in a finding. */
const NAMED_SOURCES = 5;

/** What one service (address and port) received. */
interface ServiceAttempts {
  address: string;
  port: number;
  ipVersion: number;
  attempts: number;
  /**
   * Conversations in which a client completed the handshake with the service or sent it payload
   * or a FIN (counted once, at the first of them): a spoofed source never sees the SYN-ACK, so
   * its SYN is followed by nothing.
   */
  engaged: number;
  /** RSTs the service sent: a service that refuses its clients is reported by connection-refused. */
  refused: number;
  firstTime: number;
  lastTime: number;
  firstFrame: number;
  lastFrame: number;
  sketch: Uint32Array;
  /** Bits set in the sketch. */
  setBits: number;
  /** Attempts that entered the sketch (the first SKETCH_SAMPLE). */
  sampled: number;
  named: string[];
  explained: ExplainedSample;
  reported: boolean;
}

/** Murmur3's finaliser over the source (`base` 0) or destination (4) address words. */
function sourceHash(p: Packet, base: 0 | 4 = 0): number {
  const a = p.addr;
  let h = p.ipVersion === 4 ? a[base + 3]! : a[base]! ^ Math.imul(a[base + 1]!, 31) ^ Math.imul(a[base + 2]!, 961) ^ Math.imul(a[base + 3]!, 29791);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * An address no TCP endpoint can have (RFC 1122 §4.2.3.10: a SYN to or from a broadcast or
 * multicast address is dropped): IPv4 0/8, 127/8 on the wire, 224/3 (multicast and reserved),
 * IPv6 multicast and the unspecified address.
 */
function impossibleEndpoint(p: Packet, base: 0 | 4): boolean {
  const a = p.addr;
  if (p.ipVersion === 4) {
    const top = a[base + 3]! >>> 24;
    return top === 0 || top === 127 || top >= 224;
  }
  return a[base]! >>> 24 === 0xff || (a[base]! === 0 && a[base + 1]! === 0 && a[base + 2]! === 0 && a[base + 3]! === 0);
}

/** Capture-wide counts of attempts, for floods with random destinations. */
class ScatteredAttempts {
  attempts = 0;
  impossible = 0;
  sampled = 0;
  private readonly sources = new Uint32Array(SOURCE_SKETCH_BITS >>> 5);
  private readonly destinations = new Uint32Array(SOURCE_SKETCH_BITS >>> 5);
  private sourceBits = 0;
  private destinationBits = 0;
  firstTime = 0;
  lastTime = 0;
  firstFrame = 0;
  lastFrame = 0;
  firstSource = '';
  firstDestination = '';
  readonly explained = new ExplainedSample();
  reported = false;

  add(p: Packet): void {
    if (this.attempts === 0) {
      this.firstTime = p.time;
      this.firstFrame = p.frame;
      this.firstSource = hostText(p, 0);
      this.firstDestination = hostText(p, 4);
    }
    this.attempts++;
    this.lastTime = p.time;
    this.lastFrame = p.frame;
    if (impossibleEndpoint(p, 0) || impossibleEndpoint(p, 4)) this.impossible++;
    if (this.sampled >= SKETCH_SAMPLE) return;
    this.sampled++;
    this.sourceBits += setSketchBit(this.sources, sourceHash(p, 0));
    this.destinationBits += setSketchBit(this.destinations, sourceHash(p, 4));
  }

  private distinct(bits: number): number {
    return Math.min(this.sampled, Math.round(SOURCE_SKETCH_BITS * Math.log(SOURCE_SKETCH_BITS / (SOURCE_SKETCH_BITS - bits))));
  }

  get sourcesEstimate(): number {
    return this.sampled === 0 ? 0 : Math.round((this.attempts * this.distinct(this.sourceBits)) / this.sampled);
  }

  get destinationsEstimate(): number {
    return this.sampled === 0 ? 0 : Math.round((this.attempts * this.distinct(this.destinationBits)) / this.sampled);
  }

  /** Random sources and destinations, some of them impossible. */
  get isFlood(): boolean {
    const n = this.sampled;
    return (
      this.attempts >= SCATTERED_ATTEMPTS &&
      this.distinct(this.sourceBits) * 1.25 >= n &&
      this.distinct(this.destinationBits) * 1.25 >= n &&
      this.impossible >= IMPOSSIBLE_SHARE * this.attempts
    );
  }
}

/** Set bit `hash` of a sketch; 1 when it was clear. */
function setSketchBit(sketch: Uint32Array, hash: number): number {
  const bit = hash & (SOURCE_SKETCH_BITS - 1);
  const w = bit >>> 5;
  const m = 1 << (bit & 31);
  if ((sketch[w]! & m) !== 0) return 0;
  sketch[w]! |= m;
  return 1;
}

/** Distinct sources among the sampled attempts (linear counting: m·ln(m / empty bits)). */
function sampledSources(s: ServiceAttempts): number {
  const empty = SOURCE_SKETCH_BITS - s.setBits;
  return Math.min(s.sampled, Math.round(SOURCE_SKETCH_BITS * Math.log(SOURCE_SKETCH_BITS / empty)));
}

/** Distinct sources of all attempts, scaled from the sample. */
function distinctSources(s: ServiceAttempts): number {
  return s.sampled === 0 ? 0 : Math.round((s.attempts * sampledSources(s)) / s.sampled);
}

/** A flood: many distinct sources, about one SYN each, none of them ever used. */
function isFlood(s: ServiceAttempts): boolean {
  const sampled = sampledSources(s);
  return distinctSources(s) >= FLOOD_SOURCES && s.sampled < sampled * 1.5 && s.engaged * 10 < s.attempts && s.refused * 2 < s.attempts;
}

/**
 * `syn-flood`: many sources, one SYN each, to one service, never completing a handshake: one
 * finding for the flood; its half-open conversations get none of their own.
 */
export const synFlood: Rule = {
  meta: {
    id: 'syn-flood',
    description: 'Many sources (usually spoofed) send one SYN each to one service and never complete the handshake: one finding for the flood instead of one timeout per SYN.',
    severity: 'warning',
    onTheWire: `At least ${FLOOD_SOURCES} distinct sources send SYNs to one address and port, about one SYN each, with random source ports and no retransmission; no source ever sends data or a FIN to it. The server answers with SYN-ACKs it resends until its half-open queue gives up (or SYN cookies), or the capture holds the inbound direction only. A flood with random destinations too (hping3 --rand-source --rand-dest) shares no service: it is recognised capture-wide when at least ${SCATTERED_ATTEMPTS} SYNs come from and go to nearly as many addresses as there are SYNs, and at least 5% of them involve an address no TCP connection can have (multicast, broadcast, reserved). Each flooded conversation that is only that one SYN is set aside when it is decided; a client that retries its SYN or uses its connection keeps its own finding (a real client failing during the flood is still reported).`,
    // What real clients of a flooded service meet when the flood fills its queue; the finding
    // itself cites no code: the flood's senders expect nothing.
    codes: codesFor('connect-timeout'),
    causes: [
      'A denial-of-service attack: SYNs with spoofed source addresses meant to fill the server\'s half-open (SYN) queue.',
      'Backscatter of an attack elsewhere, or a load test that sends raw SYNs.',
      'A misbehaving client fleet that opens connections and abandons them before the handshake ends.',
    ],
    checks: [
      'On the server: count half-open sockets (ss -tn state syn-recv | wc -l on Linux, netstat -an | find "SYN_RECEIVED" on Windows) and check that SYN cookies are on (net.ipv4.tcp_syncookies).',
      'Check the listen backlog and net.ipv4.tcp_max_syn_backlog against the rate in the finding.',
      'Ask the upstream provider or the DDoS protection service to filter the flood; rate-limit SYNs per source at the edge.',
      'Look for real clients in the same capture whose SYNs were retried or answered late: they are the flood\'s victims.',
    ],
    gist: 'many sources, one SYN each, to one service',
    differsFrom: 'A port scan (port-scan) is one source touching many ports or hosts; a flood is many sources, one SYN each, to one service. A single client\'s connect timeout (connect-timeout) retries its SYN with backoff from one address. A full accept queue for real clients shows as syn-ack-retransmit.',
  },
  create(ctx) {
    const services = new BoundedMap<number | string, ServiceAttempts>(MAX_SERVICES, (s) => {
      if (!s.reported && isFlood(s)) reportFlood(s);
    });

    const scattered = new ScatteredAttempts();

    function reportScattered(): void {
      const s = scattered;
      s.reported = true;
      const span = s.lastTime - s.firstTime;
      ctx.reportCapture({
        protocol: 'tcp',
        client: { address: s.firstSource, port: -1 },
        server: { address: s.firstDestination, port: -1 },
        stream: s.explained.frames.length > 0 ? s.explained.firstStream : -1,
        frames: s.explained.frames.length > 0 ? s.explained.frames : [s.firstFrame, s.lastFrame],
        start: splitTime(s.firstTime),
        end: splitTime(s.lastTime),
        codes: [],
        summary: `${count(s.attempts)} SYNs from about ${count(s.sourcesEstimate)} sources to about ${count(s.destinationsEstimate)} destinations in ${humanDuration(span)}, ${count(s.impossible)} of them to or from addresses no TCP connection can have (multicast, broadcast, reserved): a flood with random, spoofed addresses. Its ${count(s.explained.count)} one-SYN conversations get no finding of their own.`,
        details: {
          attempts: s.attempts,
          sources: s.sourcesEstimate,
          destinations: s.destinationsEstimate,
          impossibleAddresses: s.impossible,
          durationSeconds: round3(span),
          synsPerSecond: span > 0 ? Math.round(s.attempts / span) : s.attempts,
          explainedConversations: s.explained.count,
        },
        filter: 'tcp.flags.syn == 1 && tcp.flags.ack == 0',
      });
    }

    /**
     * A number for IPv4 (address and port in 48 bits): no string. Beyond 31 bits it is a heap
     * number, made per SYN, handshake, first data and RST, never per data segment (and a SYN
     * makes a whole conversation anyway).
     */
    function serviceKey(host: number | string, port: number): number | string {
      return typeof host === 'number' ? host * 65536 + port : `${host}|${port}`;
    }

    /** The packet's sender used the service it was sent to. */
    function engage(p: Packet): void {
      if (services.size === 0) return;
      const to = services.peek(serviceKey(hostKey(p, 4), p.dstPort));
      if (to !== undefined) to.engaged++;
    }

    function reportFlood(s: ServiceAttempts): void {
      s.reported = true;
      const span = s.lastTime - s.firstTime;
      const sources = distinctSources(s);
      const server = { address: s.address, port: s.port };
      const field = s.ipVersion === 6 ? 'ipv6' : 'ip';
      ctx.reportCapture({
        protocol: 'tcp',
        client: { address: s.named[0] ?? '', port: -1 },
        server,
        stream: s.explained.frames.length > 0 ? s.explained.firstStream : -1,
        frames: s.explained.frames.length > 0 ? s.explained.frames : [s.firstFrame, s.lastFrame],
        start: splitTime(s.firstTime),
        end: splitTime(s.lastTime),
        codes: [],
        summary: `${count(s.attempts)} SYNs from about ${count(sources)} sources to ${hostPort(server)} in ${humanDuration(span)}, about one each and none followed by data (a SYN flood, the sources most likely spoofed). Its ${count(s.explained.count)} half-open conversations get no finding of their own; real clients that retried or failed are reported on their own.`,
        details: {
          attempts: s.attempts,
          sources,
          sampleSources: s.named,
          durationSeconds: round3(span),
          synsPerSecond: span > 0 ? Math.round(s.attempts / span) : s.attempts,
          explainedConversations: s.explained.count,
        },
        filter: `${field}.dst == ${s.address} && tcp.dstport == ${s.port} && tcp.flags.syn == 1 && tcp.flags.ack == 0`,
      });
    }

    // Only the handshake's and the close's events: nothing here runs per data segment.
    return {
      onSyn(_c, p) {
        const key = serviceKey(hostKey(p, 4), p.dstPort);
        scattered.add(p);
        let s = services.touch(key);
        if (s === undefined) {
          s = { address: hostText(p, 4), port: p.dstPort, ipVersion: p.ipVersion, attempts: 0, engaged: 0, refused: 0, firstTime: p.time, lastTime: p.time, firstFrame: p.frame, lastFrame: p.frame, sketch: new Uint32Array(SOURCE_SKETCH_BITS >>> 5), setBits: 0, sampled: 0, named: [], explained: new ExplainedSample(), reported: false };
          services.set(key, s);
        }
        s.attempts++;
        s.lastTime = p.time;
        s.lastFrame = p.frame;
        if (s.sampled >= SKETCH_SAMPLE) return;
        s.sampled++;
        const bit = sourceHash(p) & (SOURCE_SKETCH_BITS - 1);
        const w = bit >>> 5;
        const m = 1 << (bit & 31);
        if ((s.sketch[w]! & m) === 0) {
          s.sketch[w]! |= m;
          s.setBits++;
          if (s.named.length < NAMED_SOURCES) s.named.push(hostText(p, 0));
        }
      },
      // A client that completed the handshake, or sent data or a FIN without it (one-way
      // capture, or the capture began after the handshake), was no spoofed source: once each.
      onEstablished(_c, p) {
        engage(p);
      },
      onFirstDataOrFin(c, p, fromClient) {
        if (!(fromClient && c.established)) engage(p);
      },
      onRst(_c, p) {
        // A RST with a SYN and no ACK is an attempt (onSyn).
        if (services.size === 0 || isConnectionAttempt(p)) return;
        // A RST to the service is what a real host whose address was spoofed answers to the
        // SYN-ACK it never asked for (backscatter): no use of the service.
        if (services.peek(serviceKey(hostKey(p, 4), p.dstPort)) !== undefined) return;
        const from = services.peek(serviceKey(hostKey(p, 0), p.srcPort));
        if (from !== undefined) from.refused++;
      },
      onTcpConversationEnd(c) {
        // Only the flood's own shape: one SYN and nothing else from the client (a spoofed source
        // never sees the SYN-ACK, so it never acknowledges it), and no refusal: a refused SYN
        // looks the same from a spoofed source and from a real client, and the client's failure
        // is the one worth reporting.
        if (!isProbeShaped(c) || c.client.packets !== 1 || c.server.rstCount > 0) return;
        const s = services.peek(serviceKey(conversationHostKey(c, 'server'), c.server.port));
        if (s !== undefined && !s.reported && isFlood(s)) {
          s.explained.add(c);
          ctx.explained();
        } else if (!scattered.reported && scattered.isFlood) {
          scattered.explained.add(c);
          ctx.explained();
        }
      },
      onCaptureEnd() {
        for (const s of services.values()) if (!s.reported && isFlood(s)) reportFlood(s);
        if (!scattered.reported && scattered.isFlood) reportScattered();
      },
    };
  },
};
