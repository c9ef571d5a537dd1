/** One captured record as the reader hands it on: a view into the reader's buffer. */
export interface Frame {
  /** 1-based frame number, equal to Wireshark's `frame.number`. */
  number: number;
  /** Whole seconds since the Unix epoch (may be negative for odd captures). */
  tsSec: number;
  /** Nanoseconds within the second, 0..999_999_999. */
  tsNsec: number;
  /** Link-layer header type (LINKTYPE_*), FCS bits masked off. */
  linkType: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  /** Length of the packet on the wire. */
  originalLength: number;
  /** The captured bytes. Valid only until the callback returns: copy what you keep. */
  readonly data: Buffer;
  /**
   * Where the captured bytes lie in the reader's buffer, when the reader says so: `data` is
   * `bytes.subarray(dataStart, dataEnd)`. The decoders read them there, so the reader need not
   * make a view per frame (`data` is made only when asked for).
   */
  bytes?: Buffer;
  dataStart?: number;
  dataEnd?: number;
  /** Byte offset of the record in the (decompressed) capture stream. */
  offset: number;
}

const NO_BYTES = Buffer.alloc(0);

/** The frame a reader fills and reuses record after record; `data` is a view made on demand. */
export class ReaderFrame implements Frame {
  number = 0;
  tsSec = 0;
  tsNsec = 0;
  linkType = 0;
  interfaceId = 0;
  originalLength = 0;
  bytes: Buffer = NO_BYTES;
  dataStart = 0;
  dataEnd = 0;
  offset = 0;

  get data(): Buffer {
    return this.bytes.subarray(this.dataStart, this.dataEnd);
  }
}

/** A zeroed frame, for a reader to fill and reuse record after record. */
export function emptyFrame(): ReaderFrame {
  return new ReaderFrame();
}

export type { CaptureFormat, CaptureWarning } from '../model/capture.js';
import type { CaptureFormat } from '../model/capture.js';

/** Facts about the file gathered while reading. */
export interface CaptureInfo {
  format: CaptureFormat;
  /** Timestamp precision of the file: 6 (microseconds) or 9 (nanoseconds), the finest seen. */
  precision: number;
  /** Every link type seen (pcap: one; pcapng: one per interface). */
  linkTypes: number[];
}

/** A capture that could not be read at all, or whose structure broke at a byte offset. */
export class CaptureError extends Error {
  constructor(
    message: string,
    /** Byte offset in the (decompressed) stream where the problem was found. */
    readonly offset: number,
    readonly code: string = 'bad_capture',
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}
