/**
 * Classic pcap reader. Ref: draft-ietf-opsawg-pcap §4 (file header), §5 (packet record).
 *
 * File header (24 bytes):  magic(4) version_major(2) version_minor(2) reserved1(4)
 *                          reserved2(4) snaplen(4) linktype_and_fcs(4)
 * Record header (16 bytes): ts_sec(4) ts_frac(4) captured_length(4) original_length(4)
 * The "modified" format (magic a1b2cd34, Alexey Kuznetsov's patches) adds 8 bytes per record.
 */
import { CaptureError, emptyFrame, type CaptureInfo, type CaptureWarning, type Frame, type ReaderFrame } from './types.js';
import { MAX_RECORD_BYTES, type RecordParser } from './parser.js';

/** LINKTYPE mask: the upper bits carry the FCS length (draft-ietf-opsawg-pcap §4, LinkType and additional information). */
const LINKTYPE_MASK = 0x03ffffff;

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

/** Streaming parser for classic pcap; see {@link RecordParser}. */
export class PcapParser implements RecordParser {
  readonly info: CaptureInfo = { format: 'pcap', precision: 6, linkTypes: [] };
  readonly warnings: CaptureWarning[] = [];
  stopped = false;
  frames = 0;

  private headerDone = false;
  private le = true;
  private nano = false;
  private recordHeaderLength = 16;
  private linkType = 0;
  private snaplen = 0;
  private readonly frame: ReaderFrame = emptyFrame();

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  parse(buf: Buffer, start: number, end: number, base: number): number {
    let pos = start;
    if (!this.headerDone) {
      if (end - pos < 24) return pos;
      this.readHeader(buf, pos, base);
      pos += 24;
    }
    const le = this.le;
    const hl = this.recordHeaderLength;
    const frame = this.frame;
    const onFrame = this.onFrame;
    const nano = this.nano;
    while (end - pos >= hl) {
      let tsSec: number, frac: number, caplen: number, origlen: number;
      if (le) {
        tsSec = buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24);
        frac = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0;
        caplen = (buf[pos + 8]! | (buf[pos + 9]! << 8) | (buf[pos + 10]! << 16) | (buf[pos + 11]! << 24)) >>> 0;
        origlen = (buf[pos + 12]! | (buf[pos + 13]! << 8) | (buf[pos + 14]! << 16) | (buf[pos + 15]! << 24)) >>> 0;
      } else {
        tsSec = (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
        frac = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0;
        caplen = ((buf[pos + 8]! << 24) | (buf[pos + 9]! << 16) | (buf[pos + 10]! << 8) | buf[pos + 11]!) >>> 0;
        origlen = ((buf[pos + 12]! << 24) | (buf[pos + 13]! << 16) | (buf[pos + 14]! << 8) | buf[pos + 15]!) >>> 0;
      }
      // Bound the length before trusting it: a record may not claim more than a frame can hold.
      if (caplen > MAX_RECORD_BYTES) {
        this.warnings.push({
          code: 'bad_record_length',
          message: `record ${this.frames + 1} claims ${caplen} captured bytes (more than ${MAX_RECORD_BYTES}); the rest of the file is not read`,
          frame: this.frames + 1,
          offset: base + pos,
        });
        this.stopped = true;
        return pos;
      }
      if (end - pos < hl + caplen) break;
      // ts_sec is unsigned in the spec; treat it so (dates after 2038).
      frame.tsSec = tsSec >>> 0;
      if (nano) {
        if (frac >= 1_000_000_000) {
          frame.tsSec += Math.floor(frac / 1_000_000_000);
          frac %= 1_000_000_000;
        }
        frame.tsNsec = frac;
      } else {
        if (frac >= 1_000_000) {
          frame.tsSec += Math.floor(frac / 1_000_000);
          frac %= 1_000_000;
        }
        frame.tsNsec = frac * 1000;
      }
      frame.number = ++this.frames;
      frame.originalLength = origlen;
      frame.offset = base + pos;
      frame.bytes = buf;
      frame.dataStart = pos + hl;
      frame.dataEnd = pos + hl + caplen;
      pos += hl + caplen;
      onFrame(frame);
    }
    return pos;
  }

  private readHeader(buf: Buffer, pos: number, base: number): void {
    const magicBE = buf.readUInt32BE(pos);
    const magicLE = buf.readUInt32LE(pos);
    let magic: number;
    if (magicBE === PCAP_MAGIC_USEC || magicBE === PCAP_MAGIC_NSEC || magicBE === PCAP_MAGIC_MODIFIED) {
      this.le = false;
      magic = magicBE;
    } else if (magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC || magicLE === PCAP_MAGIC_MODIFIED) {
      this.le = true;
      magic = magicLE;
    } else {
      throw new CaptureError('not a pcap file (unknown magic number)', base + pos, 'bad_magic');
    }
    this.nano = magic === PCAP_MAGIC_NSEC;
    this.recordHeaderLength = magic === PCAP_MAGIC_MODIFIED ? 24 : 16;
    const major = this.le ? buf.readUInt16LE(pos + 4) : buf.readUInt16BE(pos + 4);
    if (major !== 2) {
      throw new CaptureError(`unsupported pcap version ${major} (only version 2 exists)`, base + pos + 4, 'bad_version');
    }
    this.snaplen = this.le ? buf.readUInt32LE(pos + 16) : buf.readUInt32BE(pos + 16);
    const raw = this.le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20);
    this.linkType = raw & LINKTYPE_MASK;
    this.frame.linkType = this.linkType;
    this.info.linkTypes.push(this.linkType);
    this.info.precision = this.nano ? 9 : 6;
    this.headerDone = true;
  }

  /** Snapshot length from the file header (0 until the header has been read). */
  get snapLength(): number {
    return this.snaplen;
  }
}
