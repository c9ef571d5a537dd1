/**
 * The project's own capture writer: classic pcap (either byte order, µs or ns) and pcapng
 * (sections, interfaces, EPB/SPB/obsolete PB). Used by tests, fixtures and the benchmark.
 * Ref: draft-ietf-opsawg-pcap (classic), draft-ietf-opsawg-pcapng (pcapng).
 */

/** One record to write. `time` is seconds as a double, or exact [sec, nsec]. */
export interface WriterRecord {
  time: number | [number, number];
  data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  originalLength?: number;
  /** pcapng interface id (default 0). */
  interfaceId?: number;
}

function splitTime(t: number | [number, number]): [number, number] {
  if (Array.isArray(t)) return t;
  const sec = Math.floor(t);
  let nsec = Math.round((t - sec) * 1e9);
  if (nsec >= 1e9) return [sec + 1, nsec - 1e9];
  if (nsec < 0) nsec = 0;
  return [sec, nsec];
}

/** Options for a classic pcap file. */
export interface PcapOptions {
  linkType?: number;
  bigEndian?: boolean;
  nanosecond?: boolean;
  snaplen?: number;
  /** Extra bits ORed into the link type field (FCS length bits, 0x1_0000000 etc.). */
  linkTypeFlags?: number;
}

/** Streaming classic-pcap writer: header on construction, one record per `record`. */
export class PcapWriter {
  private readonly parts: Buffer[] = [];
  private readonly le: boolean;
  private readonly ns: boolean;

  constructor(options: PcapOptions = {}) {
    this.le = !options.bigEndian;
    this.ns = !!options.nanosecond;
    const h = Buffer.alloc(24);
    const magic = this.ns ? 0xa1b23c4d : 0xa1b2c3d4;
    this.u32(h, 0, magic);
    this.u16(h, 4, 2);
    this.u16(h, 6, 4);
    this.u32(h, 8, 0);
    this.u32(h, 12, 0);
    this.u32(h, 16, options.snaplen ?? 262144);
    this.u32(h, 20, ((options.linkType ?? 1) | (options.linkTypeFlags ?? 0)) >>> 0);
    this.parts.push(h);
  }

  private u32(b: Buffer, o: number, v: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  }
  private u16(b: Buffer, o: number, v: number): void {
    if (this.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  }

  /** The bytes of one record (header + data), for streaming writers. */
  encodeRecord(r: WriterRecord): Buffer {
    const [sec, nsec] = splitTime(r.time);
    const h = Buffer.alloc(16 + r.data.length);
    this.u32(h, 0, sec);
    this.u32(h, 4, this.ns ? nsec : Math.floor(nsec / 1000));
    this.u32(h, 8, r.data.length);
    this.u32(h, 12, r.originalLength ?? r.data.length);
    h.set(r.data, 16);
    return h;
  }

  record(r: WriterRecord): this {
    this.parts.push(this.encodeRecord(r));
    return this;
  }

  /** The file header alone (24 bytes). */
  header(): Buffer {
    return this.parts[0]!;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Write a classic pcap file in one call. */
export function writePcap(records: WriterRecord[], options: PcapOptions = {}): Buffer {
  const w = new PcapWriter(options);
  for (const r of records) w.record(r);
  return w.toBuffer();
}

/** A pcapng interface description. */
export interface PcapngInterface {
  linkType: number;
  snaplen?: number;
  /** Raw if_tsresol byte (default 6 = µs). Bit 7 set means a power of 2. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
  name?: string;
}

/** Builds pcapng files block by block, so tests can make odd structures on purpose. */
export class PcapngWriter {
  private readonly parts: Buffer[] = [];
  private le = true;
  private interfaces: PcapngInterface[] = [];

  private u32(b: Buffer, o: number, v: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  }
  private u16(b: Buffer, o: number, v: number): void {
    if (this.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  }

  private options(opts: Array<[number, Buffer]>): Buffer {
    if (opts.length === 0) return Buffer.alloc(0);
    const bufs: Buffer[] = [];
    for (const [code, value] of opts) {
      const pad = (4 - (value.length % 4)) % 4;
      const h = Buffer.alloc(4);
      this.u16(h, 0, code);
      this.u16(h, 2, value.length);
      bufs.push(h, value, Buffer.alloc(pad));
    }
    bufs.push(Buffer.alloc(4)); // opt_endofopt
    return Buffer.concat(bufs);
  }

  /** Append a raw block with the given type and body (padded, lengths filled in). */
  block(type: number, body: Buffer): this {
    const pad = (4 - (body.length % 4)) % 4;
    const total = 12 + body.length + pad;
    const b = Buffer.alloc(total);
    this.u32(b, 0, type);
    this.u32(b, 4, total);
    body.copy(b, 8);
    this.u32(b, total - 4, total);
    this.parts.push(b);
    return this;
  }

  /** Start a new section (resets interfaces). */
  section(opts: { bigEndian?: boolean; sectionLength?: bigint } = {}): this {
    this.le = !opts.bigEndian;
    this.interfaces = [];
    const body = Buffer.alloc(16);
    this.u32(body, 0, 0x1a2b3c4d);
    this.u16(body, 4, 1);
    this.u16(body, 6, 0);
    const len = opts.sectionLength ?? -1n;
    if (this.le) body.writeBigInt64LE(len, 8);
    else body.writeBigInt64BE(len, 8);
    return this.block(0x0a0d0d0a, body);
  }

  /** Add an Interface Description Block; returns this. */
  iface(i: PcapngInterface): this {
    this.interfaces.push(i);
    const opts: Array<[number, Buffer]> = [];
    if (i.name) opts.push([2, Buffer.from(i.name)]);
    if (i.tsresol !== undefined) opts.push([9, Buffer.from([i.tsresol])]);
    if (i.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(BigInt(i.tsoffset));
      else v.writeBigInt64BE(BigInt(i.tsoffset));
      opts.push([14, v]);
    }
    const head = Buffer.alloc(8);
    this.u16(head, 0, i.linkType);
    this.u16(head, 2, 0);
    this.u32(head, 4, i.snaplen ?? 262144);
    return this.block(1, Buffer.concat([head, this.options(opts)]));
  }

  private units(interfaceId: number): bigint {
    const r = this.interfaces[interfaceId]?.tsresol ?? 6;
    return r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
  }

  private stamp(interfaceId: number, t: number | [number, number]): bigint {
    const [sec, nsec] = splitTime(t);
    const units = this.units(interfaceId);
    const off = BigInt(this.interfaces[interfaceId]?.tsoffset ?? 0);
    return (BigInt(sec) - off) * units + (BigInt(nsec) * units) / 1_000_000_000n;
  }

  /** Enhanced Packet Block, with options (code, value) when given. */
  epb(r: WriterRecord, options: Array<[number, Buffer]> = []): this {
    const id = r.interfaceId ?? 0;
    const ts = this.stamp(id, r.time);
    const head = Buffer.alloc(20);
    this.u32(head, 0, id);
    this.u32(head, 4, Number(ts >> 32n));
    this.u32(head, 8, Number(ts & 0xffffffffn));
    this.u32(head, 12, r.data.length);
    this.u32(head, 16, r.originalLength ?? r.data.length);
    const pad = Buffer.alloc((4 - (r.data.length % 4)) % 4);
    return this.block(6, Buffer.concat([head, Buffer.from(r.data), pad, this.options(options)]));
  }

  /** Simple Packet Block (no timestamp; interface 0). */
  spb(data: Uint8Array, originalLength = data.length): this {
    const head = Buffer.alloc(4);
    this.u32(head, 0, originalLength);
    const pad = Buffer.alloc((4 - (data.length % 4)) % 4);
    return this.block(3, Buffer.concat([head, Buffer.from(data), pad]));
  }

  /** Obsolete Packet Block (type 2). */
  obsoletePb(r: WriterRecord): this {
    const id = r.interfaceId ?? 0;
    const ts = this.stamp(id, r.time);
    const head = Buffer.alloc(20);
    this.u16(head, 0, id);
    this.u16(head, 2, 0);
    this.u32(head, 4, Number(ts >> 32n));
    this.u32(head, 8, Number(ts & 0xffffffffn));
    this.u32(head, 12, r.data.length);
    this.u32(head, 16, r.originalLength ?? r.data.length);
    const pad = Buffer.alloc((4 - (r.data.length % 4)) % 4);
    return this.block(2, Buffer.concat([head, Buffer.from(r.data), pad]));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Write a one-section, one-interface pcapng file in one call. */
export function writePcapng(records: WriterRecord[], iface: PcapngInterface = { linkType: 1 }, bigEndian = false): Buffer {
  const w = new PcapngWriter().section({ bigEndian }).iface(iface);
  for (const r of records) w.epb(r);
  return w.toBuffer();
}
