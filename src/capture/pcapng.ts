/**
 * pcapng reader. Ref: draft-ietf-opsawg-pcapng.
 *
 * Every block: block_type(4) block_total_length(4) body… block_total_length(4).
 * SHB 0x0A0D0D0A: byte_order_magic(4)=0x1A2B3C4D major(2) minor(2) section_length(8) options
 * IDB 0x00000001: linktype(2) reserved(2) snaplen(4) options (if_tsresol=9, if_tsoffset=14)
 * EPB 0x00000006: interface_id(4) ts_high(4) ts_low(4) captured_len(4) original_len(4) data
 * SPB 0x00000003: original_len(4) data (interface 0, no timestamp)
 * PB  0x00000002 (obsolete): interface_id(2) drops_count(2) ts_high(4) ts_low(4) captured_len(4)
 *                            original_len(4) data
 * Any other block type (NRB 4, ISB 5, DSB 10, custom 0xBAD/0x40000BAD, unknown) is skipped by
 * its length.
 */
import { CaptureError, emptyFrame, type CaptureInfo, type CaptureWarning, type Frame, type ReaderFrame } from './types.js';
import { MAX_RECORD_BYTES, type RecordParser } from './parser.js';

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_PB = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const BLOCK_SYSTEMD_JOURNAL = 0x00000009;
const BLOCK_CUSTOM = 0x00000bad;
const BLOCK_CUSTOM_NOCOPY = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/**
 * Warnings listed per code; the rest are counted in one summary warning. A file of a million
 * 12-byte packet blocks must not make a million warnings.
 */
export const MAX_WARNINGS_PER_CODE = 10;
/** Interfaces one section may declare; more are ignored (a file of IDBs alone must not grow memory without bound). */
export const MAX_INTERFACES_PER_SECTION = 65_536;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** 2^37: below this divisor, 16-bit limb division stays exact in doubles. */
const EXACT_DIVISOR_LIMIT = 2 ** 37;

/** What one Interface Description Block says. */
interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
  /** Multiply the sub-second remainder by this to get ns (when units divide 1e9), else 0. */
  nsPerUnit: number;
  /** Seconds to add (if_tsoffset). */
  tsOffset: number;
}

/** Streaming parser for pcapng; see {@link RecordParser}. */
export class PcapngParser implements RecordParser {
  readonly info: CaptureInfo = { format: 'pcapng', precision: 6, linkTypes: [] };
  readonly warnings: CaptureWarning[] = [];
  stopped = false;
  /** Packets delivered. */
  frames = 0;
  /** Last frame number given (packets plus the non-packet records Wireshark numbers). */
  private frameNumber = 0;

  private le = true;
  private inSection = false;
  private interfaces: PcapngInterface[] = [];
  private warnedBadInterface = false;
  private warnedTooManyInterfaces = false;
  /** Link types already in `info.linkTypes` (looked up per IDB: must not be a linear scan). */
  private readonly linkTypesSeen = new Set<number>();
  /** Warnings per code, and the summary warning that counts those not listed. */
  private readonly warningCounts = new Map<string, { count: number; more: CaptureWarning | null }>();
  private readonly frame: ReaderFrame = emptyFrame();

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  private u32(buf: Buffer, o: number): number {
    return this.le
      ? (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24)) >>> 0
      : ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
  }
  private u16(buf: Buffer, o: number): number {
    return this.le ? buf[o]! | (buf[o + 1]! << 8) : (buf[o]! << 8) | buf[o + 1]!;
  }

  /** Add a warning; past MAX_WARNINGS_PER_CODE of one code, only count it. */
  private warn(w: CaptureWarning): void {
    let entry = this.warningCounts.get(w.code);
    if (!entry) this.warningCounts.set(w.code, (entry = { count: 0, more: null }));
    entry.count++;
    if (entry.count <= MAX_WARNINGS_PER_CODE) {
      this.warnings.push(w);
      return;
    }
    if (!entry.more) {
      entry.more = { code: w.code, message: '', offset: w.offset };
      this.warnings.push(entry.more);
    }
    entry.more.message = `${entry.count - MAX_WARNINGS_PER_CODE} more ${w.code} warnings not listed`;
  }

  private stop(code: string, message: string, offset: number): void {
    this.warnings.push({ code, message, offset, frame: this.frames > 0 ? this.frames : undefined });
    this.stopped = true;
  }

  parse(buf: Buffer, start: number, end: number, base: number): number {
    let pos = start;
    while (!this.stopped && end - pos >= 12) {
      const rawType = buf.readUInt32LE(pos); // SHB's type is a palindrome: either order works
      let type: number;
      let total: number;
      if (rawType === BLOCK_SHB) {
        // The SHB's byte-order magic decides the order of everything in its section.
        const magicLE = buf.readUInt32LE(pos + 8);
        if (magicLE === BYTE_ORDER_MAGIC) this.le = true;
        else if (buf.readUInt32BE(pos + 8) === BYTE_ORDER_MAGIC) this.le = false;
        else {
          if (this.frames === 0 && !this.inSection) {
            throw new CaptureError('pcapng section header has a bad byte-order magic', base + pos + 8, 'bad_magic');
          }
          this.stop('bad_section_header', 'pcapng section header has a bad byte-order magic; the rest of the file is not read', base + pos + 8);
          return pos;
        }
        type = BLOCK_SHB;
        total = this.u32(buf, pos + 4);
      } else {
        if (!this.inSection) {
          throw new CaptureError('not a pcapng file (no section header block)', base + pos, 'bad_magic');
        }
        type = this.u32(buf, pos);
        total = this.u32(buf, pos + 4);
      }
      if (total < 12 || total % 4 !== 0 || total > MAX_RECORD_BYTES + 64) {
        const why = total < 12 ? 'shorter than a block header' : total % 4 !== 0 ? 'not a multiple of 4' : 'larger than any packet';
        if (type === BLOCK_SHB && this.frames === 0 && !this.inSection) {
          throw new CaptureError(`pcapng section header block length ${total} is ${why}`, base + pos + 4, 'bad_block_length');
        }
        this.stop('bad_block_length', `pcapng block of type 0x${type.toString(16)} has length ${total}, ${why}; the rest of the file is not read`, base + pos + 4);
        return pos;
      }
      if (end - pos < total) break;
      const trailer = this.u32(buf, pos + total - 4);
      if (trailer !== total) {
        if (type === BLOCK_SHB && !this.inSection) {
          throw new CaptureError(`pcapng section header block lengths disagree (${total} and ${trailer})`, base + pos + total - 4, 'bad_block_length');
        }
        this.stop('bad_block_length', `pcapng block lengths disagree (${total} at the start, ${trailer} at the end); the rest of the file is not read`, base + pos + total - 4);
        return pos;
      }
      switch (type) {
        case BLOCK_SHB:
          if (total < 28) {
            if (!this.inSection) throw new CaptureError('pcapng section header block is too short', base + pos, 'bad_block_length');
            this.stop('bad_block_length', 'pcapng section header block is too short; the rest of the file is not read', base + pos);
            return pos;
          }
          if (this.u16(buf, pos + 12) !== 1) {
            const major = this.u16(buf, pos + 12);
            if (!this.inSection) throw new CaptureError(`unsupported pcapng version ${major}`, base + pos + 12, 'bad_version');
            this.stop('bad_version', `pcapng section with unsupported version ${major}; the rest of the file is not read`, base + pos + 12);
            return pos;
          }
          this.inSection = true;
          this.interfaces = []; // interface ids are per section
          break;
        case BLOCK_IDB:
          this.readInterface(buf, pos, total, base);
          break;
        case BLOCK_EPB:
          this.readEnhanced(buf, pos, total, base);
          break;
        case BLOCK_SPB:
          this.readSimple(buf, pos, total, base);
          break;
        case BLOCK_PB:
          this.readObsolete(buf, pos, total, base);
          break;
        case BLOCK_CUSTOM:
        case BLOCK_CUSTOM_NOCOPY:
        case BLOCK_SYSTEMD_JOURNAL:
          // Not packets, but Wireshark shows them as frames: they take a frame number.
          this.frameNumber++;
          break;
        default:
          // NRB, ISB, DSB and unknown blocks: skipped by their length.
          break;
      }
      pos += total;
    }
    return pos;
  }

  private readInterface(buf: Buffer, pos: number, total: number, base: number): void {
    if (total < 20) {
      this.warn({ code: 'bad_interface_block', message: 'interface description block too short; ignored', offset: base + pos });
      return;
    }
    const iface: PcapngInterface = {
      linkType: this.u16(buf, pos + 8),
      snaplen: this.u32(buf, pos + 12),
      unitsPerSecond: 1e6,
      nsPerUnit: 1000,
      tsOffset: 0,
    };
    // Options: code(2) length(2) value padded to 4; bounded by the block body.
    let o = pos + 16;
    const optEnd = pos + total - 4;
    let precision = 6;
    while (o + 4 <= optEnd) {
      const code = this.u16(buf, o);
      const len = this.u16(buf, o + 2);
      if (code === OPT_ENDOFOPT) break;
      if (o + 4 + len > optEnd) {
        this.warn({ code: 'bad_option_length', message: 'interface option runs past its block; remaining options ignored', offset: base + o });
        break;
      }
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const r = buf[o + 4]!;
        const exp = r & 0x7f;
        if (r & 0x80) {
          if (exp <= 62) iface.unitsPerSecond = 2 ** exp;
          precision = exp <= 20 ? 6 : 9;
        } else if (exp <= 18) {
          iface.unitsPerSecond = 10 ** exp;
          precision = exp <= 6 ? 6 : 9;
        }
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        const hi = this.le ? buf.readInt32LE(o + 8) : buf.readInt32BE(o + 4);
        const lo = this.le ? buf.readUInt32LE(o + 4) : buf.readUInt32BE(o + 8);
        iface.tsOffset = hi * 4294967296 + lo;
      }
      o += 4 + ((len + 3) & ~3);
    }
    iface.nsPerUnit = Number.isInteger(1e9 / iface.unitsPerSecond) ? 1e9 / iface.unitsPerSecond : 0;
    if (precision > this.info.precision) this.info.precision = precision;
    if (this.interfaces.length >= MAX_INTERFACES_PER_SECTION) {
      if (!this.warnedTooManyInterfaces) {
        this.warnedTooManyInterfaces = true;
        this.warn({ code: 'too_many_interfaces', message: `section declares more than ${MAX_INTERFACES_PER_SECTION} interfaces; the rest are ignored`, offset: base + pos });
      }
      return;
    }
    this.interfaces.push(iface);
    if (!this.linkTypesSeen.has(iface.linkType)) {
      this.linkTypesSeen.add(iface.linkType);
      this.info.linkTypes.push(iface.linkType);
    }
  }

  /** Convert a 64-bit timestamp (high, low) in interface units to sec + ns on the frame. */
  private setTime(iface: PcapngInterface, high: number, low: number): void {
    const units = iface.unitsPerSecond;
    let sec: number;
    let rem: number;
    if (high < 0x200000) {
      // Below 2^53: the value is exact as a double.
      const v = high * 4294967296 + low;
      sec = Math.floor(v / units);
      rem = v - sec * units;
    } else if (units < EXACT_DIVISOR_LIMIT) {
      // Long division by 16-bit limbs: each partial remainder * 65536 stays below 2^53.
      const limbs = [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff];
      let q = 0;
      let r = 0;
      for (let i = 0; i < 4; i++) {
        const cur = r * 65536 + limbs[i]!;
        const d = Math.floor(cur / units);
        r = cur - d * units;
        q = q * 65536 + d;
      }
      sec = q;
      rem = r;
    } else {
      const v = (BigInt(high) << 32n) | BigInt(low);
      const u = BigInt(units);
      sec = Number(v / u);
      rem = Number(v % u);
    }
    this.frame.tsSec = sec + iface.tsOffset;
    this.frame.tsNsec = iface.nsPerUnit ? rem * iface.nsPerUnit : Math.min(999_999_999, Math.floor((rem / units) * 1e9));
  }

  private deliver(buf: Buffer, dataStart: number, caplen: number, origlen: number, iface: PcapngInterface, interfaceId: number, blockPos: number, base: number): void {
    const frame = this.frame;
    this.frames++;
    frame.number = ++this.frameNumber;
    frame.linkType = iface.linkType;
    frame.interfaceId = interfaceId;
    frame.originalLength = origlen;
    frame.offset = base + blockPos;
    frame.bytes = buf;
    frame.dataStart = dataStart;
    frame.dataEnd = dataStart + caplen;
    this.onFrame(frame);
  }

  private interfaceFor(id: number, pos: number, base: number): PcapngInterface | undefined {
    const iface = this.interfaces[id];
    if (!iface && !this.warnedBadInterface) {
      this.warnedBadInterface = true;
      this.warnings.push({
        code: 'unknown_interface',
        message: `packet block names interface ${id}, which no interface description block declared; such packets are skipped`,
        offset: base + pos,
      });
    }
    return iface;
  }

  private readEnhanced(buf: Buffer, pos: number, total: number, base: number): void {
    if (total < 32) {
      this.warn({ code: 'bad_packet_block', message: 'enhanced packet block too short; skipped', offset: base + pos });
      return;
    }
    const id = this.u32(buf, pos + 8);
    const iface = this.interfaceFor(id, pos, base);
    if (!iface) return;
    let caplen = this.u32(buf, pos + 20);
    const origlen = this.u32(buf, pos + 24);
    if (caplen > total - 32) {
      this.warn({ code: 'bad_packet_length', message: `packet claims ${caplen} captured bytes but its block holds ${total - 32}; truncated to the block`, offset: base + pos + 20, frame: this.frames + 1 });
      caplen = total - 32;
    }
    this.setTime(iface, this.u32(buf, pos + 12), this.u32(buf, pos + 16));
    this.deliver(buf, pos + 28, caplen, origlen, iface, id, pos, base);
  }

  private readSimple(buf: Buffer, pos: number, total: number, base: number): void {
    if (total < 16) {
      this.warn({ code: 'bad_packet_block', message: 'simple packet block too short; skipped', offset: base + pos });
      return;
    }
    const iface = this.interfaceFor(0, pos, base);
    if (!iface) return;
    const origlen = this.u32(buf, pos + 8);
    // The captured length is the smaller of the original length, the snaplen and the block body.
    let caplen = Math.min(origlen, total - 16);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    // No timestamp: Wireshark shows such packets at time 0.
    this.frame.tsSec = 0;
    this.frame.tsNsec = 0;
    this.deliver(buf, pos + 12, caplen, origlen, iface, 0, pos, base);
  }

  private readObsolete(buf: Buffer, pos: number, total: number, base: number): void {
    if (total < 32) {
      this.warn({ code: 'bad_packet_block', message: 'packet block too short; skipped', offset: base + pos });
      return;
    }
    const id = this.u16(buf, pos + 8);
    const iface = this.interfaceFor(id, pos, base);
    if (!iface) return;
    let caplen = this.u32(buf, pos + 20);
    const origlen = this.u32(buf, pos + 24);
    if (caplen > total - 32) caplen = total - 32;
    this.setTime(iface, this.u32(buf, pos + 12), this.u32(buf, pos + 16));
    this.deliver(buf, pos + 28, caplen, origlen, iface, id, pos, base);
  }
}
