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

/** A TCP conversation closed by RST or by FIN both ways lingers this long (Windows retries a
 * refused SYN about 0.5 s apart, two or three times), then is decided and freed; packets after
 * that (Linux TIME_WAIT lasts 60 s) find its tombstone and keep its stream index. */
export const TCP_CLOSED_LINGER = 2;

/** A refused conversation (RST to SYNs, no SYN-ACK) lingers longer: the client may retry the same
 * SYN (same ISN, same connect call) after its retransmission timeout, 0.5 s on Windows, up to
 * several seconds on older stacks, and those retries belong to the same finding. */
export const TCP_REFUSED_LINGER = 30;

/** A decided TCP conversation leaves a tombstone of about 26 bytes (tombstones.ts), so that a late
 * packet (a retransmitted FIN in TIME_WAIT, a spurious retransmission, a RST long after) keeps the
 * stream index Wireshark gives it (Wireshark never forgets a conversation). At most this many are
 * kept (5.1 MB), the most recently decided: at 90,000 new conversations a second they cover the
 * last 2.2 s, at 200,000 the last second; on a capture with fewer conversations, all of them. */
export const MAX_TOMBSTONES = 196_608;

/** For live input only (FlowTableOptions.live): a conversation refused (SYN answered by RST, no
 * SYN-ACK) and not retried for this long is decided, instead of lingering TCP_REFUSED_LINGER.
 * Windows retries a refused SYN twice about 0.5 s apart (those retries must still find the
 * conversation open, to count as one refusal); Linux does not retry. With the live clock's tick
 * the refusal is printed under a second after the RST. */
export const LIVE_REFUSED_LINGER = 0.7;

/** For live input only: a flow whose last packet is an ICMP error that ends the attempt (UDP
 * port unreachable; for a SYN, the codes that abort connect() at once) is decided after this
 * much quiet. A datagram sent after it finds the exchange's udp.stream again. */
export const LIVE_ICMP_LINGER = 0.7;

/** For live input only: an unanswered SYN series is decided this long, plus LIVE_GIVE_UP_SLACK of
 * the last wait, after the client's stack gives up by its retry profile. The give-up is a timer
 * expiry, and Linux's timer wheel rounds a timer up to its level's granularity: up to 1/8 of its
 * length (a 64 s wait ends up to 8 s late; measured: 65.2 s). Deciding sooner could print a
 * timeout before the client had it. */
export const LIVE_GIVE_UP_MARGIN = 1;
export const LIVE_GIVE_UP_SLACK = 1 / 8;

/** For live input only: a series whose next SYN is due, and which may still come, waits for it
 * this much longer than the profile says (x1.25 + 0.5 s: the tolerance of a retry's timing, see
 * syn-retry.ts `near`), so a late retry is not split from its series. */
export const LIVE_RETRY_SLACK = 1.25;
export const LIVE_RETRY_MARGIN = 0.5;

/** How often (in capture seconds) the table sweeps while input is live: a deadline is met within
 * this plus the live clock's tick. */
export const LIVE_SWEEP_INTERVAL = 0.1;

/** A UDP exchange with no packet for this long is decided and freed; a later datagram, however
 * much later, finds it in the UdpStreamIndex and keeps its udp.stream. Long enough for resolver
 * and application retries. */
export const UDP_IDLE_TIMEOUT = 30;

/** A DNS query with no response for this long (and the capture going on) is unanswered. An
 * answer normally comes within a fraction of a second; stub resolvers retry after 1 s (Windows)
 * to 5 s (glibc), so 2 s of silence after the last query already means the application waits. */
export const DNS_QUERY_TIMEOUT = 2;

/** Queries of one question retried over at least this long without a response are unanswered
 * however soon the capture ends: the retries themselves show the client waiting (Windows asks at
 * 0, 1, 2, 4 and 8 s; glibc at 0 and 5 s). */
export const DNS_RETRY_SPAN = 5;

/** A DNS response this long after the last query of its question, bounced by the client's host
 * with ICMP port unreachable, came after the client gave up: the shortest stub-resolver wait is
 * Windows' first 1 s. A response sooner than this that finds the port closed was not waited for
 * (the client had its answer from elsewhere, or cancelled), which is not a slow server. */
export const LATE_DNS_ANSWER = 1;

/** How often (in capture seconds) the table sweeps for idle conversations. */
export const SWEEP_INTERVAL = 1;

/**
 * Default cap on tracked conversations (TCP + UDP). Past it, closed conversations are decided
 * early and then the least recently active open one is set aside undecided, with a warning. A
 * busy server's SPAN port (200,000 new connections a second, 50,000 open at once) stays below
 * it; each tracked conversation takes about 1.4 KB (scripts/flow-memory.ts measures it).
 */
export const DEFAULT_MAX_FLOWS = 65_536;

/**
 * Of the cap, the share that conversations with only SYNs and no answer may take (one in six:
 * 10,922 by default). A SYN flood or a scan from random sources makes nothing else, and each is
 * one packet of evidence: keeping the table's room for conversations with two sides bounds a
 * flood's memory without setting aside a busy server's real connections.
 */
export const UNANSWERED_SHARE = 1 / 6;

/** A frame identical to a packet accounted at most this long before, with a non-zero IPv4 ID
 * (SPAN ports and captures on two interfaces record each packet twice, microseconds to a few
 * milliseconds apart), is that packet seen again. A sender gives a retransmission a new ID (a
 * per-socket or per-host counter, or a random one); one that keeps it is told apart by the
 * duplicate ACKs that asked for it (see CaptureQuality). */
export const DUPLICATE_WINDOW = 0.01;

/** The same for a packet without an identifying IPv4 ID (IPv6, or ID 0 as Linux gives packets
 * sent without a connected socket): nothing but time tells a copy from a retransmission, so the
 * window is shorter (a timer-driven retransmission, Linux's tail loss probe included, takes 10 ms
 * or more; a fast one follows duplicate ACKs, which the copy check looks for). */
export const DUPLICATE_WINDOW_UNIDENTIFIED = 0.002;
