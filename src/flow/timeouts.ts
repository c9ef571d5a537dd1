/**
 * Every timeout of the flow layer, in seconds of capture time (never wall-clock time).
 */

/** An established TCP conversation with no packet for this long is decided and freed. Just over
 * Linux's default keep-alive time (net.ipv4.tcp_keepalive_time = 7200 s), so an idle connection
 * that is kept alive stays one conversation, as in Wireshark's numbering. */
export const TCP_IDLE_TIMEOUT = 7500;

/** A TCP conversation whose handshake has not completed (SYNs only, or SYN-ACK without the final
 * ACK) and that saw no packet for this long is decided. Linux gives up a connect after 127 s with
 * the default tcp_syn_retries=6, 64 s after its last SYN; Windows after about 21 s. */
export const TCP_HANDSHAKE_TIMEOUT = 135;

/** A TCP conversation closed by RST or by FIN both ways lingers this long for late packets and
 * retries (Windows retries a refused SYN about 0.5 s apart; Linux TIME_WAIT lasts 60 s), then is
 * decided and freed. */
export const TCP_CLOSED_LINGER = 60;

/** For live input only (FlowTableOptions.refusedLinger): a conversation refused (SYN answered by
 * RST, no SYN-ACK) and not retried for this long is decided, instead of lingering
 * TCP_CLOSED_LINGER. Windows retries a refused SYN twice about 0.5 s apart; Linux does not retry. */
export const LIVE_REFUSED_LINGER = 3;

/** A UDP exchange with no packet for this long is decided and freed. */
export const UDP_IDLE_TIMEOUT = 120;

/** A DNS query with no response for this long (and the capture going on) is unanswered. An
 * answer normally comes within a fraction of a second; stub resolvers retry after 1 s (Windows)
 * to 5 s (glibc), so 2 s of silence after the last query already means the application waits. */
export const DNS_QUERY_TIMEOUT = 2;

/** How often (in capture seconds) the table sweeps for idle conversations. */
export const SWEEP_INTERVAL = 1;

/** Default cap on tracked conversations (TCP + UDP); beyond it the least recently active one is
 * decided early, with a warning. Protects memory against SYN floods and scans. */
export const DEFAULT_MAX_FLOWS = 100_000;
