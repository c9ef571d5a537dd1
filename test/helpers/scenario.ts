/**
 * Scenario helpers for flow and rule tests: describe a conversation as timed packets between
 * two endpoints, write them as a capture with the project's writer, and analyse it.
 */
import { Readable } from 'node:stream';
import { analyzeCapture, type AnalyzeOptions } from '../../src/analyze.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { frame, type TcpFlagName, type TcpSpec } from '../../dev/packet-builder.js';
import { writePcap, type WriterRecord } from '../../dev/pcap-writer.js';

/** "10.0.0.1:40000" or "[2001:db8::1]:40000". */
export type HostPort = string;

function split(hp: HostPort): { addr: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(hp) ?? /^(.+):(\d+)$/.exec(hp);
  if (!m) throw new Error(`bad endpoint ${hp}`);
  return { addr: m[1]!, port: Number(m[2]) };
}

/** Options for the frames of a scenario. */
export interface ScenarioOptions {
  vlans?: number[];
  /** Start time (seconds since the epoch). */
  t0?: number;
  /** TTL (hop limit) of the client's packets, default 64: 128 looks like Windows. */
  clientTtl?: number;
}

/** A two-endpoint conversation written packet by packet. Times are seconds from t0. */
export class Scenario {
  readonly records: WriterRecord[] = [];
  readonly client: { addr: string; port: number };
  readonly server: { addr: string; port: number };
  private readonly t0: number;
  private readonly v6: boolean;

  constructor(client: HostPort, server: HostPort, private readonly opts: ScenarioOptions = {}) {
    this.client = split(client);
    this.server = split(server);
    this.t0 = opts.t0 ?? 1_700_000_000;
    this.v6 = this.client.addr.includes(':');
  }

  private ip(b: ReturnType<typeof frame>, src: string, dst: string, ttl?: number, id?: number): ReturnType<typeof frame> {
    return this.v6 ? b.ipv6({ src, dst, hopLimit: ttl }) : b.ipv4({ src, dst, ttl, id });
  }

  /** A TCP segment from 'c' (client) or 's' (server); `ipId` sets the IPv4 identification (default 1). */
  tcp(from: 'c' | 's', t: number, flags: TcpFlagName[], seq = 0, ack = 0, extra: Partial<TcpSpec> & { ipId?: number } = {}): this {
    const a = from === 'c' ? this.client : this.server;
    const b = from === 'c' ? this.server : this.client;
    const { ipId, ...tcp } = extra;
    const data = this.ip(frame().eth({ vlans: this.opts.vlans }), a.addr, b.addr, from === 'c' ? this.opts.clientTtl : undefined, ipId)
      .tcp({ sport: a.port, dport: b.port, seq, ack, flags, ...tcp })
      .build();
    this.records.push({ time: this.t0 + t, data });
    return this;
  }

  /**
   * The last packet recorded again `dt` seconds later, byte for byte: what a SPAN port or a
   * capture on two interfaces records.
   */
  copy(dt: number): this {
    const last = this.records[this.records.length - 1]!;
    this.records.push({ time: (last.time as number) + dt, data: Buffer.from(last.data) });
    return this;
  }

  /** A UDP datagram from 'c' or 's'. */
  udp(from: 'c' | 's', t: number, payload: Buffer | string | number = 8): this {
    const a = from === 'c' ? this.client : this.server;
    const b = from === 'c' ? this.server : this.client;
    const data = this.ip(frame().eth({ vlans: this.opts.vlans }), a.addr, b.addr).udp({ sport: a.port, dport: b.port, payload }).build();
    this.records.push({ time: this.t0 + t, data });
    return this;
  }

  /**
   * An ICMP (or ICMPv6) error from `reporter` to the sender of the quoted packet. `quoteFrom` says
   * who sent the quoted packet; `quote` is 'udp' or a TCP spec (flags, seq).
   */
  icmpError(t: number, reporter: string, type: number, code: number, quoteFrom: 'c' | 's', quote: 'udp' | { flags: TcpFlagName[]; seq?: number }): this {
    const a = quoteFrom === 'c' ? this.client : this.server;
    const b = quoteFrom === 'c' ? this.server : this.client;
    const inner = this.ip(frame(), a.addr, b.addr);
    const quoted = (quote === 'udp' ? inner.udp({ sport: a.port, dport: b.port, payload: 8 }) : inner.tcp({ sport: a.port, dport: b.port, flags: quote.flags, seq: quote.seq ?? 0 })).buildIp();
    const outer = this.ip(frame().eth({ vlans: this.opts.vlans }), reporter, a.addr);
    const data = (this.v6 ? outer.icmpv6({ type, code, quote: quoted }) : outer.icmp({ type, code, quote: quoted })).build();
    this.records.push({ time: this.t0 + t, data });
    return this;
  }

  /** Raw frame bytes at time t. */
  raw(t: number, data: Buffer): this {
    this.records.push({ time: this.t0 + t, data });
    return this;
  }

  /** The capture file bytes. */
  toPcap(): Buffer {
    return writePcap(this.records);
  }
}

/** Merge several scenarios' records into one capture, ordered by time. */
export function mergeScenarios(...scenarios: Scenario[]): WriterRecord[] {
  const all = scenarios.flatMap((s) => s.records);
  return all.sort((x, y) => (x.time as number) - (y.time as number));
}

/** Analyse capture bytes in memory (as a stream, like standard input). */
export function analyzeBuffer(bytes: Buffer, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  return analyzeCapture(Readable.from([bytes]), { name: 'test.pcap', ...options });
}

/** Analyse records written as classic pcap. */
export function analyzeRecords(records: WriterRecord[], options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  return analyzeBuffer(writePcap(records), options);
}
