import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import type { TcpConversation, TcpEndpoint } from '../flow/tcp.js';
import { seqAdd, seqLt } from '../flow/seq.js';

/** Why the server kept retransmitting its SYN-ACK. */
export type SynAckVariant = 'ack-ignored' | 'final-ack-missing';

/** How the connection went on after the SYN-ACK retransmissions. */
export type SynAckOutcome = 'completed' | 'reset' | 'gave-up';

/** The server acknowledged client data or sent data: the handshake completed on its side too. */
function serverCompleted(c: TcpConversation): boolean {
  const srv = c.server;
  const cl = c.client;
  if (srv.bytes > 0) return true;
  return cl.isn >= 0 && srv.ackValid && seqLt(seqAdd(cl.isn, 1), srv.highestAck);
}

/**
 * Two SYN-ACKs closer than this are copies of one transmission (a SPAN port or two capture
 * interfaces record each packet twice, microseconds apart), not a retransmission: a server
 * resends its SYN-ACK on its timer (1 s on Linux, 3 s on Windows) or to answer a retransmitted
 * SYN, which itself comes a SYN timeout (1 s or more) later; no stack's timeout is below 200 ms.
 */
const MIN_SYN_ACK_RESEND = 0.2;

/** The server's SYN-ACKs sent as separate transmissions: frames and times (copies left out), and their count. */
function synAckTransmissions(srv: TcpEndpoint): { frames: number[]; times: number[]; count: number } {
  const frames: number[] = [];
  const times: number[] = [];
  srv.synAckTimes.forEach((t, i) => {
    if (times.length === 0 || t - times[times.length - 1]! >= MIN_SYN_ACK_RESEND) {
      frames.push(srv.synAckFrames[i]!);
      times.push(t);
    }
  });
  // SYN-ACKs beyond the tracked ones are counted as sent.
  return { frames, times, count: frames.length + srv.synAckCount - srv.synAckFrames.length };
}

/** `syn-ack-retransmit`: the server retransmits its SYN-ACK although the client answered it, or the final ACK never came. */
export const synAckRetransmit: Rule = {
  meta: {
    id: 'syn-ack-retransmit',
    description: 'The server retransmitted its SYN-ACK: the client\'s ACK was ignored (accept queue full) or never arrived.',
    severity: 'error',
    onTheWire: 'SYN, SYN-ACK, ACK — and then the server sends the same SYN-ACK again 1, 2, 4… s later, as if the ACK had not arrived (Linux 6.x may also stay silent after the SYN-ACK: nothing from the server acknowledges the client\'s request). The client believes it is connected and sends its request, which is retransmitted too. It ends when the application accepts (a delay), when the server gives up and answers the client with RST, or when the client times out.',
    codes: codesFor('connection-reset'),
    causes: [
      'The listen backlog (accept queue) is full: the server application does not call accept() fast enough, so Linux drops the client\'s ACK (net.ipv4.tcp_abort_on_overflow=0) and keeps the connection half-open in SYN_RECV.',
      'The client\'s final ACK is lost on the way to the server (a firewall or load balancer drops it, asymmetric routing).',
      'A SYN flood fills the SYN queue, so legitimate handshakes stall.',
    ],
    checks: [
      'On a Linux server: `nstat -az TcpExtListenOverflows TcpExtListenDrops` (or `netstat -s | grep -i listen`) increasing means the accept queue overflows; `ss -ltn` shows Recv-Q (queued) against Send-Q (the backlog).',
      'Raise the application\'s listen backlog and net.core.somaxconn, and check why the application accepts slowly (blocked threads, event loop stalls).',
      'If the server never sees the client\'s ACK, capture on both sides to find where it is dropped.',
    ],
    differsFrom: 'A connect timeout (10060) gets no SYN-ACK at all; here the SYN-ACK arrives and connect() succeeds, but the server does not take the connection. The application then sees a reset (10054/ECONNRESET) when the server gives up, a read timeout, or — when the accept finally happens — only a delay, with no socket error.',
    gist: 'handshake never completes, SYN-ACK resent',
  },
  create(ctx) {
    return {
      onTcpConversationEnd(c) {
        const srv = c.server;
        const cl = c.client;
        if (!c.synAckSeen || cl.synCount === 0) return;
        const sent = synAckTransmissions(srv);
        const synAckCount = sent.count;
        const retransmissions = synAckCount - 1;
        const acked = c.established;
        const afterAck = acked ? sent.frames.filter((f) => f > c.establishedFrame).length : 0;
        // Linux 6.18 was seen not to retransmit the SYN-ACK of a request whose ACK and data met
        // a full accept queue: the server then sends nothing after its SYN-ACK while the client,
        // which believes it is connected, retransmits its request.
        const silentAfterSynAck = acked && srv.packets === srv.synAckCount && cl.retransmissions >= 2;
        if (synAckCount < 2 && !silentAfterSynAck) return;
        // SYN-ACKs answering retransmitted SYNs: the SYN-ACKs do not reach the client.
        const synAcksLost = !acked && cl.synCount >= 2;
        const variant: SynAckVariant = acked && (afterAck > 0 || silentAfterSynAck) ? 'ack-ignored' : 'final-ack-missing';
        if (acked && afterAck === 0 && !silentAfterSynAck) return;
        const completed = serverCompleted(c);
        const reset = srv.rstFrame >= 0 && !completed;
        const outcome: SynAckOutcome = completed ? 'completed' : reset ? 'reset' : 'gave-up';
        // One retransmission before a working connection is ordinary loss.
        if (completed && retransmissions < 2) return;
        const times = sent.times;
        const intervals = times.slice(1).map((t, i) => round3(t - times[i]!));
        const span = times[times.length - 1]! - times[0]!;
        const clientDataRetransmitted = cl.retransmissions;
        let summary =
          synAckCount > 1
            ? `${hostPort(c.client)} → ${hostPort(c.server)}: the server sent its SYN-ACK ${synAckCount} times over ${humanDuration(span)}`
            : `${hostPort(c.client)} → ${hostPort(c.server)}: after its SYN-ACK the server never acknowledged anything; the client retransmitted its request ${cl.retransmissions} times`;
        summary +=
          synAckCount === 1
            ? ' (the server ignored the client\'s ACK: its listen queue was full, or the ACK was dropped at the server)'
            : variant === 'ack-ignored'
            ? ' although the client had acknowledged it (the listen queue was full, or the ACK was dropped at the server)'
            : synAcksLost
              ? ' while the client kept retransmitting its SYN: the SYN-ACKs did not reach it'
              : ' and the client\'s final ACK never arrived';
        if (outcome === 'completed') summary += `; the connection then worked, after a delay of ${humanDuration(span)} (no socket error).`;
        else if (synAckCount === 1 && outcome === 'gave-up') summary += '.';
        else if (outcome === 'reset') summary += '; the server then reset the connection.';
        else summary += '; the server never took the connection.';
        // Without an ACK the client is still connecting: connect() times out. With it, the client
        // is connected: its retransmitted request times out, or only the application's timer fires.
        const codes =
          outcome === 'completed' ? [] : outcome === 'reset' ? codesFor('connection-reset') : !acked ? codesFor('connect-timeout') : clientDataRetransmitted > 0 ? codesFor('connection-aborted') : [];
        ctx.report({
          severity: outcome === 'completed' ? 'warning' : 'error',
          codes,
          frames: [...cl.synFrames, ...sent.frames, ...(c.establishedFrame >= 0 ? [c.establishedFrame] : []), ...srv.rstFrames.slice(0, 4)],
          summary,
          details: {
            variant,
            synAckCount,
            intervals,
            clientAcked: acked,
            serverSilentAfterSynAck: srv.packets === srv.synAckCount,
            synAcksAfterClientAck: afterAck,
            clientDataRetransmissions: clientDataRetransmitted,
            outcome,
            ...(synAcksLost ? { clientSynCount: cl.synCount } : {}),
            socketError:
              outcome === 'completed'
                ? 'none: the connection succeeded after a delay'
                : outcome === 'reset'
                  ? 'connection reset on the client\'s next read or write'
                  : !acked
                    ? 'connect() times out'
                    : clientDataRetransmitted > 0
                      ? 'the retransmitted request times out'
                      : 'none from the socket: the application\'s own timeout fires',
          },
          start: splitTime(cl.synTimes[0] ?? times[0]!),
          end: splitTime(outcome === 'reset' ? srv.rstTime : times[times.length - 1]!),
        });
      },
    };
  },
};
