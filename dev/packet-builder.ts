/**
 * Test packet builder: composes link, IP and transport headers into frame bytes, with
 * lengths and checksums filled in. Tests describe packets by their fields, never by hex.
 */
import { isIPv4 } from 'node:net';

/** TCP flag names accepted by `tcp()`. */
export type TcpFlagName = 'FIN' | 'SYN' | 'RST' | 'PSH' | 'ACK' | 'URG' | 'ECE' | 'CWR';
const FLAG_BITS: Record<TcpFlagName, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 };

/** Parse "10.0.0.1" or "fe80::1" into bytes. */
export function addressBytes(a: string): Buffer {
  if (isIPv4(a)) return Buffer.from(a.split('.').map(Number));
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const parse = (s: string | undefined): number[] => (s ? s.split(':').flatMap((g) => {
    if (g.includes('.')) {
      const b = g.split('.').map(Number);
      return [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    }
    return [parseInt(g, 16)];
  }) : []);
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

function checksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (p.length % 2) sum += p[p.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A layer the builder can stack: produces its bytes given the bytes of what it carries. */
interface Layer {
  kind: 'link' | 'ip' | 'l4';
  build(inner: Buffer, ctx: BuildContext): Buffer;
  /** Protocol/ethertype number this layer announces to the one below. */
  ident?: number;
}

interface BuildContext {
  /** Pseudo-header source for TCP/UDP/ICMPv6 checksums. */
  ip?: { version: 4 | 6; src: Buffer; dst: Buffer };
}

/** TCP header fields. */
export interface TcpSpec {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: TcpFlagName[] | number;
  window?: number;
  /** Raw options bytes (padded to 4 by the builder), or structured ones. */
  options?: Buffer | { mss?: number; wscale?: number; sackPermitted?: boolean; timestamps?: [number, number] };
  payload?: Buffer | string | number;
}

function tcpOptions(o: TcpSpec['options']): Buffer {
  if (!o) return Buffer.alloc(0);
  if (Buffer.isBuffer(o)) return o;
  const parts: number[] = [];
  if (o.mss !== undefined) parts.push(2, 4, o.mss >> 8, o.mss & 255);
  if (o.sackPermitted) parts.push(4, 2);
  if (o.timestamps) {
    const b = Buffer.alloc(10);
    b[0] = 8;
    b[1] = 10;
    b.writeUInt32BE(o.timestamps[0] >>> 0, 2);
    b.writeUInt32BE(o.timestamps[1] >>> 0, 6);
    parts.push(...b);
  }
  if (o.wscale !== undefined) parts.push(1, 3, 3, o.wscale);
  return Buffer.from(parts);
}

function payloadBytes(p: TcpSpec['payload']): Buffer {
  if (p === undefined) return Buffer.alloc(0);
  if (typeof p === 'number') return Buffer.alloc(p, 0x61);
  if (typeof p === 'string') return Buffer.from(p);
  return p;
}

/** Fluent builder: `frame().eth().ipv4(...).tcp(...).build()`. Layers are listed outer first. */
export class FrameBuilder {
  private readonly layers: Layer[] = [];
  private raw: Buffer | null = null;

  /** Ethernet II header; VLAN tags outermost first. */
  eth(opts: { src?: string; dst?: string; vlans?: number[]; qinqOuterTpid?: number; type?: number } = {}): this {
    const mac = (s: string | undefined, d: number): Buffer => (s ? Buffer.from(s.split(':').map((x) => parseInt(x, 16))) : Buffer.from([2, 0, 0, 0, 0, d]));
    this.layers.push({
      kind: 'link',
      build: (inner, _ctx) => {
        const type = opts.type ?? this.innerIdent(0);
        const vlans = opts.vlans ?? [];
        const h = Buffer.alloc(14 + vlans.length * 4);
        mac(opts.dst, 2).copy(h, 0);
        mac(opts.src, 1).copy(h, 6);
        let o = 12;
        vlans.forEach((v, i) => {
          const tpid = i === 0 && vlans.length > 1 ? (opts.qinqOuterTpid ?? 0x88a8) : 0x8100;
          h.writeUInt16BE(tpid, o);
          h.writeUInt16BE(v & 0x0fff, o + 2);
          o += 4;
        });
        h.writeUInt16BE(type, o);
        return Buffer.concat([h, inner]);
      },
    });
    return this;
  }

  /** Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113). */
  sll(opts: { packetType?: number } = {}): this {
    this.layers.push({
      kind: 'link',
      build: (inner) => {
        const h = Buffer.alloc(16);
        h.writeUInt16BE(opts.packetType ?? 0, 0);
        h.writeUInt16BE(1, 2); // ARPHRD_ETHER
        h.writeUInt16BE(6, 4);
        Buffer.from([2, 0, 0, 0, 0, 1]).copy(h, 6);
        h.writeUInt16BE(this.innerIdent(0), 14);
        return Buffer.concat([h, inner]);
      },
    });
    return this;
  }

  /** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276). */
  sll2(opts: { ifindex?: number; packetType?: number } = {}): this {
    this.layers.push({
      kind: 'link',
      build: (inner) => {
        const h = Buffer.alloc(20);
        h.writeUInt16BE(this.innerIdent(0), 0);
        h.writeUInt32BE(opts.ifindex ?? 1, 4);
        h.writeUInt16BE(1, 8);
        h[10] = opts.packetType ?? 0;
        h[11] = 6;
        Buffer.from([2, 0, 0, 0, 0, 1]).copy(h, 12);
        return Buffer.concat([h, inner]);
      },
    });
    return this;
  }

  /** BSD loopback (LINKTYPE_NULL 0 / LOOP 108): 4-byte address family. */
  null(opts: { family?: number; bigEndian?: boolean } = {}): this {
    this.layers.push({
      kind: 'link',
      build: (inner) => {
        const h = Buffer.alloc(4);
        const fam = opts.family ?? (this.innerIdent(0) === 0x86dd ? 30 : 2);
        if (opts.bigEndian) h.writeUInt32BE(fam);
        else h.writeUInt32LE(fam);
        return Buffer.concat([h, inner]);
      },
    });
    return this;
  }

  /** PPP in HDLC-like framing (LINKTYPE_PPP 9): address/control then protocol. */
  ppp(): this {
    this.layers.push({
      kind: 'link',
      build: (inner) => {
        const h = Buffer.from([0xff, 0x03, 0, 0]);
        h.writeUInt16BE(this.innerIdent(0) === 0x86dd ? 0x0057 : 0x0021, 2);
        return Buffer.concat([h, inner]);
      },
    });
    return this;
  }

  /** The ethertype/protocol announced by the first layer of `kind` after the link. */
  private innerIdent(_from: number): number {
    const ip = this.layers.find((l) => l.kind === 'ip');
    return ip?.ident ?? 0x0800;
  }

  /** IPv4 header. `options` are raw bytes (padded to 4). */
  ipv4(opts: { src: string; dst: string; ttl?: number; id?: number; df?: boolean; mf?: boolean; fragOffset?: number; protocol?: number; options?: Buffer; ihl?: number; totalLength?: number; tos?: number }): this {
    const layer: Layer = {
      kind: 'ip',
      ident: 0x0800,
      build: (inner, ctx) => {
        const src = addressBytes(opts.src);
        const dst = addressBytes(opts.dst);
        ctx.ip = { version: 4, src, dst };
        const optBytes = opts.options ?? Buffer.alloc(0);
        const optLen = Math.ceil(optBytes.length / 4) * 4;
        const h = Buffer.alloc(20 + optLen);
        const ihl = opts.ihl ?? (20 + optLen) / 4;
        h[0] = 0x40 | (ihl & 15);
        h[1] = opts.tos ?? 0;
        h.writeUInt16BE(opts.totalLength ?? h.length + inner.length, 2);
        h.writeUInt16BE(opts.id ?? 1, 4);
        const flags = (opts.df ? 0x4000 : 0) | (opts.mf ? 0x2000 : 0) | ((opts.fragOffset ?? 0) & 0x1fff);
        h.writeUInt16BE(flags, 6);
        h[8] = opts.ttl ?? 64;
        h[9] = opts.protocol ?? this.l4Proto();
        src.copy(h, 12);
        dst.copy(h, 16);
        optBytes.copy(h, 20);
        h.writeUInt16BE(checksum(h), 10);
        return Buffer.concat([h, inner]);
      },
    };
    this.layers.push(layer);
    return this;
  }

  /** IPv6 header with optional extension headers: [nextHeaderType, bodyBytes] pairs in order. */
  ipv6(opts: { src: string; dst: string; hopLimit?: number; extensions?: Array<{ type: number; body?: Buffer }>; payloadLength?: number }): this {
    this.layers.push({
      kind: 'ip',
      ident: 0x86dd,
      build: (inner, ctx) => {
        const src = addressBytes(opts.src);
        const dst = addressBytes(opts.dst);
        ctx.ip = { version: 6, src, dst };
        const exts = opts.extensions ?? [];
        const l4 = this.l4Proto();
        const extBufs: Buffer[] = [];
        exts.forEach((e, i) => {
          const next = i + 1 < exts.length ? exts[i + 1]!.type : l4;
          if (e.type === 44) {
            // Fragment header: fixed 8 bytes; body supplies offset/flags/id (6 bytes) if given.
            const b = Buffer.alloc(8);
            b[0] = next;
            (e.body ?? Buffer.alloc(6)).copy(b, 2, 0, 6);
            extBufs.push(b);
          } else {
            const body = e.body ?? Buffer.alloc(6);
            const len = Math.ceil((body.length + 2) / 8) * 8;
            const b = Buffer.alloc(len);
            b[0] = next;
            // AH (RFC 4302 §2.2) counts 4-byte units minus 2; the others 8-byte units minus 1.
            b[1] = e.type === 51 ? len / 4 - 2 : len / 8 - 1;
            body.copy(b, 2);
            extBufs.push(b);
          }
        });
        const ext = Buffer.concat(extBufs);
        const h = Buffer.alloc(40);
        h.writeUInt32BE(0x60000000, 0);
        h.writeUInt16BE(opts.payloadLength ?? ext.length + inner.length, 4);
        h[6] = exts.length ? exts[0]!.type : l4;
        h[7] = opts.hopLimit ?? 64;
        src.copy(h, 8);
        dst.copy(h, 24);
        return Buffer.concat([h, ext, inner]);
      },
    });
    return this;
  }

  private l4Proto(): number {
    const l4 = this.layers.find((l) => l.kind === 'l4');
    return l4?.ident ?? 59;
  }

  private pseudo(ctx: BuildContext, proto: number, len: number): Buffer {
    const ip = ctx.ip!;
    if (ip.version === 4) {
      const p = Buffer.alloc(12);
      ip.src.copy(p, 0);
      ip.dst.copy(p, 4);
      p[9] = proto;
      p.writeUInt16BE(len, 10);
      return p;
    }
    const p = Buffer.alloc(40);
    ip.src.copy(p, 0);
    ip.dst.copy(p, 16);
    p.writeUInt32BE(len, 32);
    p[39] = proto;
    return p;
  }

  /** TCP header and payload. */
  tcp(spec: TcpSpec): this {
    this.layers.push({
      kind: 'l4',
      ident: 6,
      build: (_inner, ctx) => {
        const opt = tcpOptions(spec.options);
        const optLen = Math.ceil(opt.length / 4) * 4;
        const payload = payloadBytes(spec.payload);
        const h = Buffer.alloc(20 + optLen);
        h.writeUInt16BE(spec.sport, 0);
        h.writeUInt16BE(spec.dport, 2);
        h.writeUInt32BE((spec.seq ?? 0) >>> 0, 4);
        h.writeUInt32BE((spec.ack ?? 0) >>> 0, 8);
        const flags = typeof spec.flags === 'number' ? spec.flags : (spec.flags ?? ['ACK']).reduce((a, f) => a | FLAG_BITS[f], 0);
        h[12] = (((20 + optLen) / 4) << 4) | ((flags >> 8) & 1);
        h[13] = flags & 0xff;
        h.writeUInt16BE(spec.window ?? 65535, 14);
        opt.copy(h, 20);
        if (ctx.ip) h.writeUInt16BE(checksum(this.pseudo(ctx, 6, h.length + payload.length), h, payload), 16);
        return Buffer.concat([h, payload]);
      },
    });
    return this;
  }

  /** UDP header and payload. */
  udp(spec: { sport: number; dport: number; payload?: Buffer | string | number; length?: number }): this {
    this.layers.push({
      kind: 'l4',
      ident: 17,
      build: (_inner, ctx) => {
        const payload = payloadBytes(spec.payload);
        const h = Buffer.alloc(8);
        h.writeUInt16BE(spec.sport, 0);
        h.writeUInt16BE(spec.dport, 2);
        h.writeUInt16BE(spec.length ?? 8 + payload.length, 4);
        if (ctx.ip) h.writeUInt16BE(checksum(this.pseudo(ctx, 17, 8 + payload.length), h, payload) || 0xffff, 6);
        return Buffer.concat([h, payload]);
      },
    });
    return this;
  }

  /**
   * ICMP (v4) message. For errors, `quote` is the offending packet's bytes starting at its IP
   * header (build it with `frame().ipv4(...).udp(...).buildIp()`).
   */
  icmp(spec: { type: number; code: number; rest?: number; quote?: Buffer; payload?: Buffer }): this {
    this.layers.push({
      kind: 'l4',
      ident: 1,
      build: () => {
        const body = spec.quote ?? spec.payload ?? Buffer.alloc(0);
        const h = Buffer.alloc(8);
        h[0] = spec.type;
        h[1] = spec.code;
        h.writeUInt32BE((spec.rest ?? 0) >>> 0, 4);
        h.writeUInt16BE(checksum(h, body), 2);
        return Buffer.concat([h, body]);
      },
    });
    return this;
  }

  /** ICMPv6 message (checksum over the IPv6 pseudo-header). */
  icmpv6(spec: { type: number; code: number; rest?: number; quote?: Buffer; payload?: Buffer }): this {
    this.layers.push({
      kind: 'l4',
      ident: 58,
      build: (_inner, ctx) => {
        const body = spec.quote ?? spec.payload ?? Buffer.alloc(0);
        const h = Buffer.alloc(8);
        h[0] = spec.type;
        h[1] = spec.code;
        h.writeUInt32BE((spec.rest ?? 0) >>> 0, 4);
        if (ctx.ip) h.writeUInt16BE(checksum(this.pseudo(ctx, 58, 8 + body.length), h, body), 2);
        return Buffer.concat([h, body]);
      },
    });
    return this;
  }

  /** Raw bytes after the last layer (or the whole frame when no layers). */
  payload(bytes: Buffer): this {
    this.raw = bytes;
    return this;
  }

  private buildFrom(start: number): Buffer {
    const ctx: BuildContext = {};
    // Resolve IP context first so transport checksums can use the pseudo-header.
    let inner = this.raw ?? Buffer.alloc(0);
    const ipLayer = this.layers.slice(start).find((l) => l.kind === 'ip');
    if (ipLayer) ipLayer.build(Buffer.alloc(0), ctx);
    for (let i = this.layers.length - 1; i >= start; i--) inner = this.layers[i]!.build(inner, ctx);
    return inner;
  }

  /** The whole frame. */
  build(): Buffer {
    return this.buildFrom(0);
  }

  /** The frame from its IP header on (for ICMP quotes and raw-IP link types). */
  buildIp(): Buffer {
    const i = this.layers.findIndex((l) => l.kind === 'ip');
    return this.buildFrom(i < 0 ? 0 : i);
  }
}

/** Start a new frame. */
export function frame(): FrameBuilder {
  return new FrameBuilder();
}

/** Encode a DNS name (no compression). */
export function dnsName(name: string): Buffer {
  const parts = name.split('.').filter((p) => p.length > 0);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([Buffer.byteLength(p)]), Buffer.from(p)])), Buffer.from([0])]);
}

/** A DNS query or response message with one question. */
export function dnsMessage(opts: { id: number; name: string; qtype?: number; response?: boolean; rcode?: number; answers?: number; rd?: boolean }): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(opts.id, 0);
  const flags = (opts.response ? 0x8000 : 0) | (opts.rd === false ? 0 : 0x0100) | (opts.response ? 0x0080 : 0) | ((opts.rcode ?? 0) & 15);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(opts.answers ?? 0, 6);
  const q = Buffer.concat([dnsName(opts.name), Buffer.from([0, opts.qtype ?? 1, 0, 1])]);
  const answers: Buffer[] = [];
  for (let i = 0; i < (opts.answers ?? 0); i++) {
    // Answer with a compression pointer to the question name (offset 12), type A.
    answers.push(Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, i + 1]));
  }
  return Buffer.concat([h, q, ...answers]);
}
