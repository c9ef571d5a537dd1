/**
 * What the application recognisers read and what they return. A recogniser gets the kept
 * bytes of both directions of one conversation and returns a compact description of what
 * the application was saying, or null; it never throws, whatever the bytes.
 */

/** How one side's part of a TCP conversation ended, as far as the capture shows. */
export type StreamEnd = 'fin' | 'rst' | 'open';

/** One direction's kept bytes, as the recognisers see them. */
export interface StreamView {
  /** Contiguous bytes from the start of the stream (up to the first gap or the head limit). */
  head: Uint8Array;
  /** Contiguous bytes at the end of the stream (after the last gap), up to the tail limit. */
  tail: Uint8Array;
  /** Stream length (bytes and gaps). */
  length: number;
  /** True when `head` holds the whole stream (no gap, nothing dropped). */
  complete: boolean;
  /** The stream had gaps (lost or uncaptured bytes). */
  gaps: number;
  /** How this side ended: FIN, RST, or neither. */
  ended: StreamEnd;
}

/** Both directions of a TCP conversation, and the server port (a hint, never proof). */
export interface ConversationStreams {
  client: StreamView;
  server: StreamView;
  serverPort: number;
}

/** Fields every application context has; recognisers add their own. */
export interface ApplicationContext {
  /** Protocol recognised: "tls", "http", "tds", "sql-browser", "ssh", "smtp", "ftp", "redis", "postgresql", "mysql". */
  protocol: string;
  /** One line for people, e.g. "TLS ClientHello SNI=example.com (TLS 1.3, 1.2); server alert handshake_failure, then reset". */
  summary: string;
  /** The streams had gaps, so what was said may be incomplete. */
  incomplete?: true;
  [field: string]: unknown;
}

/** A recogniser for TCP streams. */
export type StreamRecogniser = (streams: ConversationStreams) => ApplicationContext | null;

/** A TCP stream recogniser with the name its faults are reported under ("tls", "http", …). */
export interface NamedRecogniser {
  name: string;
  recognise: StreamRecogniser;
}

/**
 * Bytes a conversation can open with for a reader to find something in it: one side's byte at
 * `offset` of its stream is one of `bytes`. A reader declares the openings of the conversations
 * it reads; a conversation closed in order that opens with none of them is not read at all.
 */
export interface StreamOpening {
  side: 'client' | 'server';
  offset: number;
  bytes: readonly number[];
}
