/**
 * Every timeout of the flow layer, in seconds of capture time (never wall-clock time).
 */

/** An open TCP conversation with no packet for this long is decided and freed. Longer than
 * Linux's default connect give-up (127 s with tcp_syn_retries=6), so SYN retries stay in one. */
export const TCP_IDLE_TIMEOUT = 300;

/** A TCP conversation closed by RST or by FIN both ways lingers this long for late packets and
 * for Windows' refused-SYN retries (about 0.5 s apart), then is decided and freed. */
export const TCP_CLOSED_LINGER = 15;

/** A UDP exchange with no packet for this long is decided and freed. */
export const UDP_IDLE_TIMEOUT = 120;

/** A DNS query with no response for this long (and the capture going on) is unanswered.
 * Resolvers retry after 1–5 s (glibc: 5 s; Windows: 1 s then doubling). */
export const DNS_QUERY_TIMEOUT = 5;

/** How often (in capture seconds) the table sweeps for idle conversations. */
export const SWEEP_INTERVAL = 1;

/** Default cap on tracked conversations (TCP + UDP); beyond it the least recently active one is
 * decided early, with a warning. Protects memory against SYN floods and scans. */
export const DEFAULT_MAX_FLOWS = 100_000;
