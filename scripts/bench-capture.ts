/**
 * Seeded generator of the benchmark captures: a realistic mix of short TCP conversations
 * (handshake, request/response rounds, FIN close), DNS lookups, and failures of every kind
 * the rules know, in counted numbers. Writes a classic pcap and a pcapng (EPB) of the same
 * packets, plus the ground truth the analysis must reproduce.
 *
 *   tsx scripts/bench-capture.ts --size 100M [--seed 1] [--out bench-data]
 *   tsx scripts/bench-capture.ts --synflood 1000000
 *
 * Frames are built once per kind with the test packet builder and the records with the
 * project's pcap/pcapng writer; per packet only addresses, ports, sequence numbers, lengths
 * and timestamps are patched into a large output buffer, written out in 8 MiB pieces.
 * TCP checksums are left as the template's (as in captures taken with checksum offload);
 * IPv4 header and ICMP checksums are recomputed.
 *
 * {@link TrafficOptions} (used by `npm run stress`, all off by default so the benchmark's files
 * stay byte-identical) add what busy links and capture points do to traffic: spurious
 * retransmissions after both FINs, SPAN-port duplicates, reordering, capture drops, replays of
 * old frames much later, and high connection rates.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { dnsMessage, frame } from '../dev/packet-builder.js';
import { PcapngWriter, PcapWriter } from '../dev/pcap-writer.js';

/** Counts the analysis must reproduce. */
export interface GroundTruth {
  /** Version of the traffic model: a reused capture must have been made by the same one. */
  generator: number;
  seed: number;
  targetBytes: number;
  refused: number;
  unanswered: number;
  reset: number;
  portUnreachable: number;
  aborted: number;
  adminProhibited: number;
  nxdomain: number;
  tcpConversations: number;
  udpExchanges: number;
  packets: number;
  /** Bytes of the classic pcap file. */
  pcapBytes: number;
  pcapngBytes: number;
  /** Most conversations open at once (from start to last packet). */
  maxOpen: number;
  /** Capture time spanned, seconds. */
  durationSeconds: number;
  /** Only with {@link TrafficOptions}: the options and what they did, counted. */
  traffic?: TrafficOptions;
  impairments?: ImpairmentCounts;
}

/**
 * What a busy link or a capture point adds to the traffic. Every share is a probability in
 * [0, 1]; all are off by default (the benchmark's traffic). None changes a conversation's
 * verdict, so the ground truth's finding counts still hold; replays may add conversations
 * (see {@link checkAgainstTruth}).
 */
export interface TrafficOptions {
  /** New conversations per second of capture time (default 3,000). */
  eventsPerSecond?: number;
  /** Mean number of full-sized segments in a response (default 11); small values make short conversations, for high connection rates. */
  meanResponseSegments?: number;
  /** Share of healthy conversations that send a data segment once more after both FINs (a spurious retransmission, 1 ms to 3 s after the last ACK). */
  retransmitAfterFin?: number;
  /** Share of frames a SPAN port delivers twice: the same bytes again 1 to 50 µs later. */
  spanDuplicates?: number;
  /** Share of response segments that arrive late, after one or more of the segments sent after them. */
  reorder?: number;
  /** Share of the data segments and ACKs of healthy conversations that the capture misses. */
  drop?: number;
  /** Share of the data segments and ACKs of healthy conversations recorded once more, 30 s to 10 min later. */
  replay?: number;
}

/** How many packets each {@link TrafficOptions} behaviour touched. */
export interface ImpairmentCounts {
  retransmittedAfterFin: number;
  duplicated: number;
  reordered: number;
  dropped: number;
  replayed: number;
}

/** Bump when the generated traffic changes, so that cached captures are rebuilt. */
export const GENERATOR_VERSION = 1;

/** Which rule each ground-truth count corresponds to. */
export const RULE_OF_COUNT = {
  refused: 'connection-refused',
  unanswered: 'connect-timeout',
  reset: 'connection-reset',
  portUnreachable: 'udp-port-unreachable',
  aborted: 'connection-aborted',
  adminProhibited: 'destination-unreachable',
  nxdomain: 'dns-failure',
} as const;

/** sfc32: a small, fast, seeded generator (Chris Doty-Humphrey's Small Fast Counter). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  constructor(seed: number) {
    this.a = 0x9e3779b9 ^ seed;
    this.b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
    this.c = 0xb7e15162;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

/** The parts of an analysis report that {@link checkAgainstTruth} compares. */
export interface ReportCounts {
  capture: { packets: number };
  summary: { tcpConversations: number; udpExchanges: number; byRule: Record<string, number> };
}

/**
 * Differences between a report and the ground truth (empty when they agree): packets,
 * conversations, exchanges, and the count of findings of each rule, none of any other rule.
 * A replayed frame may open a conversation of its own once the original's is forgotten (after
 * its tombstone's time), so with replays the TCP conversations may exceed the truth by at most
 * the number of frames replayed; every other count is exact.
 */
export function checkAgainstTruth(report: ReportCounts, truth: GroundTruth): string[] {
  const diffs: string[] = [];
  const expect = (what: string, got: number, want: number): void => {
    if (got !== want) diffs.push(`${what}: got ${got}, expected ${want}`);
  };
  expect('packets', report.capture.packets, truth.packets);
  const replayed = truth.impairments?.replayed ?? 0;
  const tcp = report.summary.tcpConversations;
  if (tcp < truth.tcpConversations || tcp > truth.tcpConversations + replayed) {
    diffs.push(`tcpConversations: got ${tcp}, expected ${replayed > 0 ? `${truth.tcpConversations} to ${truth.tcpConversations + replayed}` : truth.tcpConversations}`);
  }
  expect('udpExchanges', report.summary.udpExchanges, truth.udpExchanges);
  const byRule = { ...report.summary.byRule };
  for (const [count, rule] of Object.entries(RULE_OF_COUNT)) {
    expect(`${rule} (${count})`, byRule[rule] ?? 0, truth[count as keyof typeof RULE_OF_COUNT]);
    delete byRule[rule];
  }
  for (const [rule, n] of Object.entries(byRule)) diffs.push(`${rule}: got ${n}, expected none`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------
// Templates

const ETH = 14;
const IP = ETH; // IPv4 header at 14
const L4 = IP + 20; // transport header at 34
/** TCP header with the timestamps option (12 bytes, NOP NOP TS), as Linux sends on every segment. */
const TCP_HDR = 32;
/** Full-sized segment payload with timestamps on a 1500-byte MTU. */
const MSS = 1448;

type Kind = 'tcp' | 'udp' | 'dns' | 'icmp-tcp' | 'icmp-udp';

interface Template {
  kind: Kind;
  /** The frame bytes. */
  frame: Buffer;
  /** Classic pcap record (16-byte header + frame), from PcapWriter.encodeRecord. */
  pcap: Buffer;
  /** pcapng Enhanced Packet Block, from PcapngWriter.epb. */
  epb: Buffer;
}

const pcapWriter = new PcapWriter({ linkType: 1, snaplen: 262144 });

function template(kind: Kind, bytes: Buffer): Template {
  const epb = new PcapngWriter().epb({ time: 0, data: bytes }).toBuffer();
  return { kind, frame: bytes, pcap: pcapWriter.encodeRecord({ time: 0, data: bytes }), epb };
}

const CLIENT_MAC = '00:16:3e:10:00:01';
const GATEWAY_MAC = '00:16:3e:fe:00:01';
const TS_OPT = Buffer.from([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0]);
const SYN_OPT = Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]);

function tcpFrame(flags: Array<'SYN' | 'ACK' | 'FIN' | 'RST' | 'PSH'>, payload: Buffer | number = 0, options: Buffer = TS_OPT): Buffer {
  return frame()
    .eth({ src: CLIENT_MAC, dst: GATEWAY_MAC })
    .ipv4({ src: '10.0.0.1', dst: '172.16.0.1', df: true })
    .tcp({ sport: 40000, dport: 443, seq: 1, ack: 1, flags, window: 502, options, payload: payload === 0 ? undefined : payload })
    .build();
}

const HTTP_REQUEST = Buffer.from(
  'GET /api/v1/items/000000?expand=details HTTP/1.1\r\nHost: service.example.com\r\nUser-Agent: bench/1.0\r\nAccept: application/json\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n',
);

function requestPayload(len: number): Buffer {
  const b = Buffer.alloc(len, 0x78);
  HTTP_REQUEST.copy(b, 0, 0, Math.min(len, HTTP_REQUEST.length));
  return b;
}

/** Payload sizes a segment can have: full-sized, and a spread of partial tails and requests. */
const PAYLOAD_SIZES = [MSS, ...Array.from({ length: 31 }, (_, i) => 120 + i * 42)];

class Templates {
  readonly syn = template('tcp', tcpFrame(['SYN'], 0, SYN_OPT));
  readonly synAck = template('tcp', tcpFrame(['SYN', 'ACK'], 0, SYN_OPT));
  readonly ack = template('tcp', tcpFrame(['ACK']));
  readonly finAck = template('tcp', tcpFrame(['FIN', 'ACK']));
  readonly rstAck = template('tcp', tcpFrame(['RST', 'ACK'], 0, Buffer.alloc(0)));
  readonly rst = template('tcp', tcpFrame(['RST'], 0, Buffer.alloc(0)));
  /** Data segments (PSH,ACK) by payload size index in PAYLOAD_SIZES. */
  readonly data = PAYLOAD_SIZES.map((n) => template('tcp', tcpFrame(['PSH', 'ACK'], n === MSS ? Buffer.alloc(n, 0x3c) : requestPayload(n))));
  /** DNS: the name "h0000.example.com" (digits patched); NXDOMAIN names live in example.net. */
  readonly dnsQuery = template('dns', this.dns(false, 0, 0, 'h0000.example.com'));
  readonly dnsAnswer = template('dns', this.dns(true, 0, 1, 'h0000.example.com'));
  readonly nxQuery = template('dns', this.dns(false, 0, 0, 'x0000.example.net'));
  readonly nxAnswer = template('dns', this.dns(true, 3, 0, 'x0000.example.net'));
  /** A UDP datagram to a port nobody listens on, and the ICMP port unreachable quoting it. */
  readonly udpProbe = template('udp', this.udp(161, Buffer.alloc(48, 0x30)));
  readonly portUnreachable = template(
    'icmp-udp',
    frame()
      .eth({ src: GATEWAY_MAC, dst: CLIENT_MAC })
      .ipv4({ src: '172.16.0.1', dst: '10.0.0.1' })
      .icmp({ type: 3, code: 3, quote: frame().ipv4({ src: '10.0.0.1', dst: '172.16.0.1' }).udp({ sport: 40000, dport: 161, payload: Buffer.alloc(48, 0x30) }).buildIp() })
      .build(),
  );
  /** ICMP 3/13 (communication administratively prohibited) from a firewall, quoting a SYN. */
  readonly adminProhibited = template(
    'icmp-tcp',
    frame()
      .eth({ src: GATEWAY_MAC, dst: CLIENT_MAC })
      .ipv4({ src: '10.255.255.254', dst: '10.0.0.1' })
      .icmp({ type: 3, code: 13, quote: frame().ipv4({ src: '10.0.0.1', dst: '172.16.0.1', df: true }).tcp({ sport: 40000, dport: 443, seq: 1, flags: ['SYN'], options: SYN_OPT }).buildIp() })
      .build(),
  );

  private dns(response: boolean, rcode: number, answers: number, name: string): Buffer {
    return frame()
      .eth({ src: response ? GATEWAY_MAC : CLIENT_MAC, dst: response ? CLIENT_MAC : GATEWAY_MAC })
      .ipv4({ src: '10.0.0.1', dst: '192.168.0.53' })
      .udp({ sport: 40000, dport: 53, payload: dnsMessage({ id: 1, name, response, rcode, answers }) })
      .build();
  }

  private udp(port: number, payload: Buffer): Buffer {
    return frame().eth({ src: CLIENT_MAC, dst: GATEWAY_MAC }).ipv4({ src: '10.0.0.1', dst: '172.16.0.1' }).udp({ sport: 40000, dport: port, payload }).build();
  }
}

// ---------------------------------------------------------------------------------------------
// Packets and the output

/** One packet waiting in the time-ordered queue. */
interface Pkt {
  /** Capture time in microseconds since the epoch. */
  t: number;
  /** Insertion order: ties keep the order in which a conversation scheduled them. */
  order: number;
  tpl: Template;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** DNS: message id; ICMP: quoted source. */
  aux: number;
  /** DNS: name number (0..9999); ICMP: quoted destination. */
  aux2: number;
  /** A healthy conversation's data segment or ACK, which a capture may miss or replay without changing any verdict. */
  spare?: boolean;
  /** A copy of a packet already written (SPAN duplicate, replay): its IP id, so the bytes are the same. */
  ipId?: number;
}

/** Binary min-heap on (t, order). */
class PacketQueue {
  private readonly items: Pkt[] = [];
  get size(): number {
    return this.items.length;
  }
  private less(x: Pkt, y: Pkt): boolean {
    return x.t < y.t || (x.t === y.t && x.order < y.order);
  }
  push(p: Pkt): void {
    const a = this.items;
    a.push(p);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }
  peek(): Pkt | undefined {
    return this.items[0];
  }
  pop(): Pkt {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

const OUT_BUFFER_BYTES = 8 * 1024 * 1024;

/** Buffers records and writes them out in large pieces. */
class RecordSink {
  private readonly buf = Buffer.allocUnsafe(OUT_BUFFER_BYTES);
  private pos = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}
  /** Reserve `n` bytes; returns the buffer and the offset to write at. */
  reserve(n: number): number {
    if (this.pos + n > this.buf.length) this.flush();
    const at = this.pos;
    this.pos += n;
    this.bytes += n;
    return at;
  }
  get buffer(): Buffer {
    return this.buf;
  }
  write(bytes: Buffer): void {
    const at = this.reserve(bytes.length);
    bytes.copy(this.buf, at);
  }
  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }
}

function put32(b: Buffer, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}
function put16(b: Buffer, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}
function putLe32(b: Buffer, o: number, v: number): void {
  b[o] = v & 255;
  b[o + 1] = (v >>> 8) & 255;
  b[o + 2] = (v >>> 16) & 255;
  b[o + 3] = v >>> 24;
}

/** RFC 1071 checksum of b[start, end), written at `at`. */
function checksumInto(b: Buffer, start: number, end: number, at: number): void {
  b[at] = 0;
  b[at + 1] = 0;
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  put16(b, at, ~sum & 0xffff);
}

function putDigits(b: Buffer, o: number, n: number): void {
  b[o] = 0x30 + (Math.floor(n / 1000) % 10);
  b[o + 1] = 0x30 + (Math.floor(n / 100) % 10);
  b[o + 2] = 0x30 + (Math.floor(n / 10) % 10);
  b[o + 3] = 0x30 + (n % 10);
}

/** Patch a packet's fields into the frame at `f` (a copy of its template). */
function patchFrame(b: Buffer, f: number, p: Pkt, ipId: number): void {
  put16(b, f + IP + 4, ipId);
  put32(b, f + IP + 12, p.src);
  put32(b, f + IP + 16, p.dst);
  checksumInto(b, f + IP, f + IP + 20, f + IP + 10);
  const tpl = p.tpl;
  const frameLen = tpl.frame.length;
  switch (tpl.kind) {
    case 'tcp':
      put16(b, f + L4, p.sport);
      put16(b, f + L4 + 2, p.dport);
      put32(b, f + L4 + 4, p.seq);
      put32(b, f + L4 + 8, p.ack);
      break;
    case 'udp':
    case 'dns':
      put16(b, f + L4, p.sport);
      put16(b, f + L4 + 2, p.dport);
      put16(b, f + L4 + 6, 0); // no UDP checksum
      if (tpl.kind === 'dns') {
        put16(b, f + L4 + 8, p.aux);
        // QNAME starts after the 12-byte header: label length, letter, then four digits.
        putDigits(b, f + L4 + 8 + 12 + 2, p.aux2);
      }
      break;
    case 'icmp-tcp':
    case 'icmp-udp': {
      // The quoted packet: IP header at L4 + 8, its transport header 20 bytes later.
      const q = f + L4 + 8;
      put32(b, q + 12, p.aux);
      put32(b, q + 16, p.aux2);
      checksumInto(b, q, q + 20, q + 10);
      put16(b, q + 20, p.sport);
      put16(b, q + 22, p.dport);
      if (tpl.kind === 'icmp-tcp') put32(b, q + 24, p.seq);
      else put16(b, q + 26, 0);
      checksumInto(b, f + L4, f + frameLen, f + L4 + 2);
      break;
    }
  }
}

/** Writes each packet to both files. */
class CaptureOutput {
  private ipId = 0;
  packets = 0;
  /** Time of the last packet written (µs). */
  lastTime = 0;
  constructor(
    readonly pcap: RecordSink,
    readonly pcapng: RecordSink,
  ) {}

  /** Write one packet; returns its IP id. */
  emit(p: Pkt): number {
    const tpl = p.tpl;
    const sec = Math.floor(p.t / 1e6);
    const usec = p.t - sec * 1e6;
    const ipId = p.ipId ?? (this.ipId = (this.ipId + 1) & 0xffff);
    // Classic pcap: the record template (little-endian header, µs), timestamps patched.
    const ps = this.pcap;
    const at = ps.reserve(tpl.pcap.length);
    const pb = ps.buffer;
    tpl.pcap.copy(pb, at);
    putLe32(pb, at, sec);
    putLe32(pb, at + 4, usec);
    patchFrame(pb, at + 16, p, ipId);
    // pcapng EPB: timestamp in µs as two 32-bit words; the patched frame copied from above.
    const ns = this.pcapng;
    const nat = ns.reserve(tpl.epb.length);
    const nb = ns.buffer;
    tpl.epb.copy(nb, nat);
    putLe32(nb, nat + 12, Math.floor(p.t / 4294967296));
    putLe32(nb, nat + 16, p.t % 4294967296);
    pb.copy(nb, nat + 28, at + 16, at + 16 + tpl.frame.length);
    this.packets++;
    this.lastTime = p.t;
    return ipId;
  }
}

// ---------------------------------------------------------------------------------------------
// The traffic

const CLIENTS = 4096;
const FIRST_EPHEMERAL = 32768;
const EPHEMERAL_PORTS = 28232;
const SERVERS = 256;
const DNS_SERVER = (192 << 24) | (168 << 16) | 53;
const FIREWALL = ((10 << 24) | (255 << 16) | (255 << 8) | 254) >>> 0;
/** Capture starts 2024-03-01T12:00:00Z. */
const START_US = 1_709_294_400 * 1e6;

/** Share of new events per kind (the rest are normal TCP conversations). */
const MIX = {
  dns: 0.22,
  nxdomainOfDns: 0.04,
  refused: 0.006,
  unanswered: 0.003,
  reset: 0.005,
  aborted: 0.002,
  adminProhibited: 0.002,
  portUnreachable: 0.003,
};
/** New conversations per second of capture time (mean of Poisson arrivals). */
const EVENTS_PER_SECOND = 3000;

class TrafficGenerator {
  readonly truth: GroundTruth;
  private readonly rng: Prng;
  private readonly tpl = new Templates();
  private readonly queue = new PacketQueue();
  private order = 0;
  private endpointCounter = 0;
  /** Bytes (pcap records) scheduled but not yet written. */
  private pendingBytes = 0;
  /** Open conversations: start and end times, for the max-open statistic. */
  private readonly openEnds = new PacketQueue();
  private open = 0;
  /**
   * Draws for the {@link TrafficOptions} behaviours, apart from the traffic's own generator: the
   * default traffic draws nothing from it, so it stays the benchmark's, byte for byte.
   */
  private readonly impairRng: Prng;
  private readonly impaired: boolean;
  private readonly counts: ImpairmentCounts = { retransmittedAfterFin: 0, duplicated: 0, reordered: 0, dropped: 0, replayed: 0 };
  /** The last request and response segment scheduled by {@link round}, for a retransmission after FIN. */
  private lastRequest: [Template, number] | null = null;
  private lastResponse: [Template, number] | null = null;

  constructor(
    seed: number,
    targetBytes: number,
    private readonly out: CaptureOutput,
    private readonly traffic: TrafficOptions = {},
  ) {
    this.rng = new Prng(seed);
    this.impairRng = new Prng(seed ^ 0x5bd1e995);
    this.impaired = Object.keys(traffic).length > 0;
    this.truth = {
      generator: GENERATOR_VERSION,
      seed,
      targetBytes,
      refused: 0,
      unanswered: 0,
      reset: 0,
      portUnreachable: 0,
      aborted: 0,
      adminProhibited: 0,
      nxdomain: 0,
      tcpConversations: 0,
      udpExchanges: 0,
      packets: 0,
      pcapBytes: 0,
      pcapngBytes: 0,
      maxOpen: 0,
      durationSeconds: 0,
    };
    if (this.impaired) {
      this.truth.traffic = { ...traffic };
      this.truth.impairments = this.counts;
    }
  }

  /** True with probability `share` (0 or absent: false, drawing nothing). */
  private chance(share: number | undefined): boolean {
    return share !== undefined && share > 0 && this.impairRng.next() < share;
  }

  /** A fresh (client address, port) pair: never reused within the capture. */
  private clientEndpoint(): [number, number] {
    const k = this.endpointCounter++;
    const host = k % CLIENTS;
    const port = FIRST_EPHEMERAL + (Math.floor(k / CLIENTS) % EPHEMERAL_PORTS);
    return [((10 << 24) | (1 << 16) | (host + 1)) >>> 0, port];
  }

  private server(): number {
    return ((172 << 24) | (16 << 16) | this.rng.int(1, SERVERS)) >>> 0;
  }

  private add(t: number, tpl: Template, src: number, dst: number, sport: number, dport: number, seq: number, ack: number, aux = 0, aux2 = 0): void {
    this.queue.push({ t: Math.round(t), order: this.order++, tpl, src, dst, sport, dport, seq: seq >>> 0, ack: ack >>> 0, aux, aux2 });
    this.pendingBytes += tpl.pcap.length;
  }

  /** {@link add} for a data segment or ACK of a healthy conversation (see `Pkt.spare`). */
  private addSpare(t: number, tpl: Template, src: number, dst: number, sport: number, dport: number, seq: number, ack: number): void {
    if (!this.impaired) return this.add(t, tpl, src, dst, sport, dport, seq, ack);
    this.queue.push({ t: Math.round(t), order: this.order++, tpl, src, dst, sport, dport, seq: seq >>> 0, ack: ack >>> 0, aux: 0, aux2: 0, spare: true });
    this.pendingBytes += tpl.pcap.length;
  }

  /** A copy of a written packet (same bytes, IP id included) scheduled at `t`. */
  private addCopy(p: Pkt, t: number, ipId: number): void {
    this.queue.push({ ...p, t: Math.round(t), order: this.order++, spare: false, ipId });
    this.pendingBytes += p.tpl.pcap.length;
  }

  private track(start: number, end: number): void {
    this.open++;
    if (this.open > this.truth.maxOpen) this.truth.maxOpen = this.open;
    this.openEnds.push({ t: end, order: this.order++ } as Pkt);
    void start;
  }

  /** Payload template index for a partial segment of about `len` bytes. */
  private dataTpl(len: number): Template {
    if (len >= MSS) return this.tpl.data[0]!;
    const i = Math.max(1, Math.min(PAYLOAD_SIZES.length - 1, Math.round((len - 120) / 42) + 1));
    return this.tpl.data[i]!;
  }

  /** Handshake from `t`; returns the time after the client's ACK. */
  private handshake(t: number, c: number, cp: number, s: number, sp: number, ci: number, si: number, rtt: number): number {
    const T = this.tpl;
    this.add(t, T.syn, c, s, cp, sp, ci, 0);
    this.add(t + rtt, T.synAck, s, c, sp, cp, si, ci + 1);
    this.add(t + rtt + 40, T.ack, c, s, cp, sp, ci + 1, si + 1);
    return t + rtt + 40;
  }

  /**
   * A request and its response: returns [time of the last packet, client bytes, server bytes].
   * `cut` > 0 stops the response after that many segments (for resets).
   */
  private round(t: number, c: number, cp: number, s: number, sp: number, cseq: number, sseq: number, rtt: number, cut = 0): [number, number, number] {
    const T = this.tpl;
    const reqTpl = this.tpl.data[this.rng.int(3, 14)]!;
    const reqLen = reqTpl.frame.length - ETH - 20 - TCP_HDR;
    const healthy = cut === 0;
    t += this.rng.int(20, 400);
    if (healthy) this.addSpare(t, reqTpl, c, s, cp, sp, cseq, sseq);
    else this.add(t, reqTpl, c, s, cp, sp, cseq, sseq);
    this.lastRequest = [reqTpl, cseq];
    // Response: a geometric number of full segments plus a tail.
    const full = Math.min(80, Math.floor(this.rng.exp(this.traffic.meanResponseSegments ?? 11)));
    const segs = full + 1;
    let st = t + rtt + this.rng.int(200, 15000);
    let sent = 0;
    const n = cut > 0 ? Math.min(cut, segs) : segs;
    for (let i = 0; i < n; i++) {
      const tp = i < full ? T.data[0]! : this.dataTpl(this.rng.int(120, 1400));
      const len = tp.frame.length - ETH - 20 - TCP_HDR;
      if (healthy) {
        // Reordered: it arrives after one or more of the segments sent after it (12 to 120 µs apart).
        const late = this.chance(this.traffic.reorder) ? this.impairRng.int(20, 400) : 0;
        if (late > 0) this.counts.reordered++;
        this.addSpare(st + late, tp, s, c, sp, cp, sseq + sent, cseq + reqLen);
      } else this.add(st, tp, s, c, sp, cp, sseq + sent, cseq + reqLen);
      this.lastResponse = [tp, sseq + sent];
      sent += len;
      // Delayed ACK: every second segment, and the last one.
      if (cut === 0 && (i % 2 === 1 || i === n - 1)) this.addSpare(st + this.rng.int(30, 200), T.ack, c, s, cp, sp, cseq + reqLen, sseq + sent);
      st += this.rng.int(12, 120);
    }
    return [st + 200, reqLen, sent];
  }

  private normalTcp(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const s = this.server();
    const sp = this.rng.next() < 0.8 ? 443 : 80;
    const rtt = this.rng.int(2000, 60000);
    const ci = this.rng.u32();
    const si = this.rng.u32();
    let t = this.handshake(t0, c, cp, s, sp, ci, si, rtt);
    let cseq = ci + 1;
    let sseq = si + 1;
    const rounds = this.rng.next() < 0.7 ? 1 : this.rng.int(2, 4);
    for (let r = 0; r < rounds; r++) {
      const [end, cb, sb] = this.round(t, c, cp, s, sp, cseq, sseq, rtt);
      t = end + (r < rounds - 1 ? this.rng.int(1000, 50000) : 0);
      cseq += cb;
      sseq += sb;
    }
    // The client closes: FIN, the server's FIN, the last ACK.
    this.add(t, T.finAck, c, s, cp, sp, cseq, sseq);
    this.add(t + rtt, T.finAck, s, c, sp, cp, sseq, cseq + 1);
    this.add(t + rtt + 30, T.ack, c, s, cp, sp, cseq + 1, sseq + 1);
    if (this.chance(this.traffic.retransmitAfterFin)) {
      // A spurious retransmission of data both sides already acknowledged: the client's last
      // request or the server's last segment, after the connection closed both ways.
      const late = t + rtt + 30 + this.impairRng.int(1000, 3_000_000);
      const fromClient = this.impairRng.next() < 0.5;
      const [tpl, seq] = fromClient ? this.lastRequest! : this.lastResponse!;
      if (fromClient) this.add(late, tpl, c, s, cp, sp, seq, sseq + 1);
      else this.add(late, tpl, s, c, sp, cp, seq, cseq + 1);
      this.counts.retransmittedAfterFin++;
    }
    this.truth.tcpConversations++;
    this.track(t0, t + rtt + 30);
  }

  private refused(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const s = this.server();
    const sp = [443, 8443, 5432, 3389][this.rng.int(0, 3)]!;
    const rtt = this.rng.int(300, 30000);
    const ci = this.rng.u32();
    // Windows retries a refused SYN from the same port, with the same sequence number, about 0.5 s later.
    const attempts = this.rng.next() < 0.3 ? 3 : 1;
    let t = t0;
    for (let i = 0; i < attempts; i++) {
      this.add(t, T.syn, c, s, cp, sp, ci, 0);
      this.add(t + rtt, T.rstAck, s, c, sp, cp, 0, ci + 1);
      t += 500_000;
    }
    this.truth.refused++;
    this.truth.tcpConversations++;
    this.track(t0, t);
  }

  private unanswered(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const s = (((172 << 24) | (31 << 16) | this.rng.int(1, 250)) >>> 0) as number;
    const ci = this.rng.u32();
    // Linux: 1, 2, 4 s between SYNs (exponential); Linux 6.x with tcp_syn_linear_timeouts: 1 s apart.
    const gaps = this.rng.next() < 0.7 ? [1, 2, 4] : [1, 1, 1, 1];
    let t = t0;
    this.add(t, T.syn, c, s, cp, 443, ci, 0);
    for (const g of gaps) {
      t += g * 1e6 + this.rng.int(0, 3000);
      this.add(t, T.syn, c, s, cp, 443, ci, 0);
    }
    this.truth.unanswered++;
    this.truth.tcpConversations++;
    this.track(t0, t);
  }

  private reset(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const s = this.server();
    const rtt = this.rng.int(2000, 40000);
    const ci = this.rng.u32();
    const si = this.rng.u32();
    const t = this.handshake(t0, c, cp, s, 443, ci, si, rtt);
    const [end, cb, sb] = this.round(t, c, cp, s, 443, ci + 1, si + 1, rtt, this.rng.int(1, 3));
    // The server resets the connection in the middle of its response.
    this.add(end, T.rst, s, c, 443, cp, si + 1 + sb, 0);
    void cb;
    this.truth.reset++;
    this.truth.tcpConversations++;
    this.track(t0, end);
  }

  private aborted(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const s = this.server();
    const rtt = this.rng.int(2000, 40000);
    const ci = this.rng.u32();
    const si = this.rng.u32();
    let t = this.handshake(t0, c, cp, s, 443, ci, si, rtt);
    const req = this.tpl.data[6]!;
    const reqLen = req.frame.length - ETH - 20 - TCP_HDR;
    t += 100;
    this.add(t, req, c, s, cp, 443, ci + 1, si + 1);
    // The client vanishes: the server's first segment is never acknowledged and is retransmitted
    // with exponential backoff from the initial RTO (200 ms), then the server gives up with RST.
    let rto = 200_000;
    t += rtt + 1000;
    const seg = T.data[0]!;
    this.add(t, seg, s, c, 443, cp, si + 1, ci + 1 + reqLen);
    const retries = this.rng.int(4, 6);
    for (let i = 0; i < retries; i++) {
      t += rto;
      rto *= 2;
      this.add(t, seg, s, c, 443, cp, si + 1, ci + 1 + reqLen);
    }
    t += rto;
    this.add(t, T.rst, s, c, 443, cp, si + 1 + MSS, 0);
    this.truth.aborted++;
    this.truth.tcpConversations++;
    this.track(t0, t);
  }

  private adminProhibited(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const s = (((172 << 24) | (30 << 16) | this.rng.int(1, 250)) >>> 0) as number;
    const ci = this.rng.u32();
    this.add(t0, T.syn, c, s, cp, 22, ci, 0);
    // The quoted SYN: source, destination, ports and sequence number patched into the quote.
    this.add(t0 + this.rng.int(200, 5000), T.adminProhibited, FIREWALL, c, cp, 22, ci, 0, c, s);
    this.truth.adminProhibited++;
    this.truth.tcpConversations++;
    this.track(t0, t0 + 5000);
  }

  private portUnreachable(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const s = this.server();
    const rtt = this.rng.int(300, 20000);
    const tries = this.rng.next() < 0.5 ? 2 : 1;
    let t = t0;
    for (let i = 0; i < tries; i++) {
      this.add(t, T.udpProbe, c, s, cp, 161, 0, 0);
      this.add(t + rtt, T.portUnreachable, s, c, cp, 161, 0, 0, c, s);
      t += 1_000_000;
    }
    this.truth.portUnreachable++;
    this.truth.udpExchanges++;
    this.track(t0, t);
  }

  private dns(t0: number): void {
    const T = this.tpl;
    const [c, cp] = this.clientEndpoint();
    const id = this.rng.int(0, 0xffff);
    const name = this.rng.int(0, 9999);
    const rtt = this.rng.int(300, 30000);
    if (this.rng.next() < MIX.nxdomainOfDns) {
      this.add(t0, T.nxQuery, c, DNS_SERVER, cp, 53, 0, 0, id, name);
      this.add(t0 + rtt, T.nxAnswer, DNS_SERVER, c, 53, cp, 0, 0, id, name);
      this.truth.nxdomain++;
    } else {
      this.add(t0, T.dnsQuery, c, DNS_SERVER, cp, 53, 0, 0, id, name);
      this.add(t0 + rtt, T.dnsAnswer, DNS_SERVER, c, 53, cp, 0, 0, id, name);
    }
    this.truth.udpExchanges++;
    this.track(t0, t0 + rtt);
  }

  private startEvent(t: number): void {
    let x = this.rng.next();
    if ((x -= MIX.dns) < 0) return this.dns(t);
    if ((x -= MIX.refused) < 0) return this.refused(t);
    if ((x -= MIX.unanswered) < 0) return this.unanswered(t);
    if ((x -= MIX.reset) < 0) return this.reset(t);
    if ((x -= MIX.aborted) < 0) return this.aborted(t);
    if ((x -= MIX.adminProhibited) < 0) return this.adminProhibited(t);
    if ((x -= MIX.portUnreachable) < 0) return this.portUnreachable(t);
    return this.normalTcp(t);
  }

  private emitUntil(t: number): void {
    const q = this.queue;
    while (q.size > 0 && q.peek()!.t <= t) {
      const p = q.pop();
      this.pendingBytes -= p.tpl.pcap.length;
      if (!this.impaired) {
        this.out.emit(p);
        continue;
      }
      if (p.spare && this.chance(this.traffic.drop)) {
        this.counts.dropped++;
        continue;
      }
      const ipId = this.out.emit(p);
      // Copies are never copied again.
      if (p.ipId !== undefined) continue;
      if (this.chance(this.traffic.spanDuplicates)) {
        this.addCopy(p, p.t + this.impairRng.int(1, 50), ipId);
        this.counts.duplicated++;
      }
      if (p.spare && this.chance(this.traffic.replay)) {
        this.addCopy(p, p.t + this.impairRng.int(30e6, 600e6), ipId);
        this.counts.replayed++;
      }
    }
    while (this.openEnds.size > 0 && this.openEnds.peek()!.t <= t) {
      this.openEnds.pop();
      this.open--;
    }
  }

  run(): void {
    let t = START_US;
    const meanGap = 1e6 / (this.traffic.eventsPerSecond ?? EVENTS_PER_SECOND);
    while (this.out.pcap.bytes + this.pendingBytes < this.truth.targetBytes) {
      this.emitUntil(t);
      this.startEvent(t);
      t += this.rng.exp(meanGap);
    }
    this.emitUntil(Infinity);
    this.truth.packets = this.out.packets;
  }
}

/** A SYN flood: `count` SYNs from random spoofed sources and ports to one server, 10 µs apart. */
function synFlood(out: CaptureOutput, count: number, seed: number): void {
  const rng = new Prng(seed);
  const T = new Templates();
  const target = ((172 << 24) | (16 << 16) | 80) >>> 0;
  const p: Pkt = { t: START_US, order: 0, tpl: T.syn, src: 0, dst: target, sport: 0, dport: 80, seq: 0, ack: 0, aux: 0, aux2: 0 };
  for (let i = 0; i < count; i++) {
    p.t = START_US + i * 10;
    p.src = rng.u32() | 0x01000000;
    p.sport = rng.int(1024, 65535);
    p.seq = rng.u32();
    out.emit(p);
  }
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

/** Options for {@link generateBenchCapture}. */
export interface GenerateOptions {
  /** Directory for the files. */
  outDir: string;
  /** Base name; files are NAME.pcap, NAME.pcapng and NAME.truth.json. */
  name: string;
  seed: number;
  /** Target size of the classic pcap in bytes (ignored with synFlood). */
  targetBytes: number;
  /** Write a SYN flood of this many packets instead of the mixed traffic. */
  synFlood?: number;
  /** Behaviours added to the mixed traffic (none by default). */
  traffic?: TrafficOptions;
}

/** Write NAME.pcap, NAME.pcapng and NAME.truth.json; returns the ground truth. */
export function generateBenchCapture(o: GenerateOptions): GroundTruth {
  mkdirSync(o.outDir, { recursive: true });
  const base = join(o.outDir, o.name);
  // Write under temporary names, rename when complete: a reused file is always a whole one.
  const fdPcap = openSync(`${base}.pcap.tmp`, 'w');
  const fdNg = openSync(`${base}.pcapng.tmp`, 'w');
  const pcap = new RecordSink(fdPcap);
  const pcapng = new RecordSink(fdNg);
  pcap.write(pcapWriter.header());
  pcapng.write(new PcapngWriter().section().iface({ linkType: 1, snaplen: 262144, name: 'eth0' }).toBuffer());
  const out = new CaptureOutput(pcap, pcapng);
  let truth: GroundTruth;
  if (o.synFlood) {
    synFlood(out, o.synFlood, o.seed);
    truth = {
      generator: GENERATOR_VERSION,
      seed: o.seed,
      targetBytes: 0,
      refused: 0,
      unanswered: o.synFlood,
      reset: 0,
      portUnreachable: 0,
      aborted: 0,
      adminProhibited: 0,
      nxdomain: 0,
      tcpConversations: o.synFlood,
      udpExchanges: 0,
      packets: o.synFlood,
      pcapBytes: 0,
      pcapngBytes: 0,
      maxOpen: o.synFlood,
      durationSeconds: (o.synFlood * 10) / 1e6,
    };
  } else {
    const gen = new TrafficGenerator(o.seed, o.targetBytes, out, o.traffic);
    gen.run();
    truth = gen.truth;
  }
  pcap.flush();
  pcapng.flush();
  closeSync(fdPcap);
  closeSync(fdNg);
  truth.pcapBytes = pcap.bytes;
  truth.pcapngBytes = pcapng.bytes;
  if (!o.synFlood) truth.durationSeconds = Math.round((out.lastTime - START_US) / 1000) / 1000;
  renameSync(`${base}.pcap.tmp`, `${base}.pcap`);
  renameSync(`${base}.pcapng.tmp`, `${base}.pcapng`);
  writeFileSync(`${base}.truth.json`, JSON.stringify(truth, null, 2) + '\n');
  return truth;
}

function main(argv: string[]): void {
  let size = '100M';
  let seed = 1;
  let outDir = 'bench-data';
  let flood: number | undefined;
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--size') size = argv[++i]!;
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--out') outDir = argv[++i]!;
    else if (a === '--name') name = argv[++i];
    else if (a === '--synflood') {
      const next = argv[i + 1];
      flood = next && /^\d/.test(next) ? parseSize(argv[++i]!) : 1_000_000;
    } else if (/^\d/.test(a)) size = a;
    else throw new Error(`unknown argument ${a}`);
  }
  const started = performance.now();
  const targetBytes = parseSize(size);
  const truth = generateBenchCapture({
    outDir,
    name: name ?? (flood ? `synflood-${flood}-seed${seed}` : `mix-${size}-seed${seed}`),
    seed,
    targetBytes,
    synFlood: flood,
  });
  const secs = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify(truth)}\nwrote ${(truth.pcapBytes / 1e6).toFixed(1)} MB pcap + ${(truth.pcapngBytes / 1e6).toFixed(1)} MB pcapng in ${secs.toFixed(1)} s\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
