/** Plain facts about a capture file that reports carry. */

/** What kind of capture file the first bytes say this is. */
export type CaptureFormat = 'pcap' | 'pcapng';

/** A warning about the file itself (truncation, skipped block), not about a packet. */
export interface CaptureWarning {
  code: string;
  message: string;
  frame?: number;
  offset?: number;
}
