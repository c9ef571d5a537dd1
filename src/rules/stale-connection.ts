import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import { seqAdd, seqDiff } from '../flow/seq.js';
import { closeBeforeReset, resetAfterOrderlyClose, resetFacts, type FirstResetFacts } from './connection-reset.js';

/** The server answered a SYN with a plain ACK for another sequence (challenge ACK, stale state). */
interface SynAnsweredByAck {
  synFrame: number;
  synTime: number;
  ackFrame: number;
  ackTime: number;
  /** Acknowledgment number of that ACK, and what the SYN expected (ISN + 1). */
  ack: number;
  expected: number;
}

/** What stale-connection keeps: the ACK that answered the SYN, and the first RST after the handshake. */
interface StaleState {
  answered: SynAnsweredByAck;
  firstReset: FirstResetFacts | null;
}
import { endedBefore, judgeSynSeries } from './syn-retry.js';

/** `stale-connection`: a SYN answered by an ACK for another sequence, the client's RST, and a retry. */
export const staleConnection: Rule = {
  meta: {
    id: 'stale-connection',
    description: 'A SYN answered by an ACK for another sequence: the server still held an old connection on the same ports; the client reset it and retried.',
    severity: 'warning',
    onTheWire: 'The client sends SYN from a port it used before; the server answers with a plain ACK (no SYN) whose acknowledgment number belongs to the old connection (an RFC 5961 challenge ACK, or the old connection\'s state). The client answers that ACK with RST, which clears the server\'s old connection, and retransmits its SYN about 1 s later; that one usually gets a SYN-ACK.',
    codes: codesFor('connect-timeout'),
    causes: [
      'The server still has the old connection ESTABLISHED (half-open): the client rebooted, or its side was closed without the server hearing (a lost FIN or RST, a NAT or firewall that dropped it).',
      'The server\'s old connection is in TIME-WAIT or FIN-WAIT and the new SYN\'s sequence number is not above the old one.',
      'A NAT or load balancer reuses a source port that is still in use toward this server.',
    ],
    checks: [
      'Usually harmless: connect() succeeds after about one SYN retransmission timeout (1 s on Linux, 3 s on older Windows). If it recurs, look at why old connections are not closed on the server (idle connections without keep-alive, a middlebox that drops FIN/RST).',
      'If clients sit behind a NAT, check its port allocation and timeouts against the server\'s connection lifetime.',
      'If the retry fails too, the ACK or the client\'s RST is filtered on the path.',
    ],
    differsFrom: 'A refusal (10061) answers the SYN with RST; here the answer is an ACK and the client sends the RST. No socket error follows when the retry succeeds (only a delay); when every retry meets the old state, connect() times out (10060/ETIMEDOUT).',
    gist: 'SYN answered by an ACK for an old connection',
  },
  create(ctx) {
    return {
      // At most one per conversation: that ACK ends the client's run of SYNs (flow/tcp.ts).
      onSynAnsweredByAck(c, p) {
        const answer = { synFrame: c.client.lastSynFrame(), synTime: c.client.lastSynTime(p.time), ackFrame: p.frame, ackTime: p.time, ack: p.tcpAck, expected: seqAdd(c.client.isn, 1) };
        ctx.setState<StaleState>(c, { answered: answer, firstReset: null });
      },
      onRst(c, p, fromClient) {
        const s = ctx.stateOf<StaleState>(c);
        if (s !== undefined && c.established && s.firstReset === null) s.firstReset = resetFacts(c, p, fromClient);
      },
      onTcpConversationEnd(c) {
        const state = ctx.stateOf<StaleState>(c);
        if (state === undefined) return;
        const answered = [state.answered];
        // A connection that got going and then failed by reset: that reset is the finding. A
        // reset after an orderly close fails nobody, so the delay at connect time stays the story.
        const reset = state.firstReset;
        if (reset !== null) {
          const byClient = c.client.rstFrames.includes(reset.frame);
          const close = closeBeforeReset(byClient ? c.client : c.server, byClient ? c.server : c.client, reset);
          if (!resetAfterOrderlyClose(close)) return;
        }
        const first = answered[0]!;
        const cl = c.client;
        const clientRst = cl.rstFrames.find((f, i) => f > first.ackFrame && cl.rstTimes[i]! - first.ackTime < 5);
        const retried = cl.synFrames.some((f) => f > first.ackFrame);
        const succeeded = c.established && c.synAckSeen;
        const delay = succeeded ? c.server.synAckTimes[0]! - first.synTime : 0;
        // Unless it connected, the client is still in SYN-SENT and retries on its own schedule.
        const series = judgeSynSeries(cl.synTimes, cl.synCount, cl.synTtl, cl.synOptions, answered.map((a) => a.ackTime));
        const lastSyn = cl.synTimes[cl.synTimes.length - 1]!;
        const sinceLast = Math.max(0, ctx.now() - lastSyn);
        const stillRetrying = !succeeded && !c.synAckSeen && ctx.atEndOfCapture() && endedBefore(sinceLast, series.nextGap);
        let summary = `${hostPort(c.client)} → ${hostPort(c.server)}: the SYN was answered by an ACK for another sequence (the server still held an old connection on these ports)`;
        if (clientRst !== undefined) summary += '; the client reset it';
        if (succeeded) summary += ` and the retried SYN connected ${humanDuration(delay)} later (no socket error, only a delay).`;
        else if (stillRetrying) summary += `${retried ? ', retried' : ''}; the capture ended ${humanDuration(sinceLast)} after the last SYN, while the client was still retrying (next step due at +${humanDuration(series.nextGap)}).`;
        else if (retried) summary += ', retried, and never got a SYN-ACK: the connect timed out.';
        else summary += ' and never retried: the attempt was given up.';
        ctx.report({
          severity: succeeded || stillRetrying ? 'warning' : 'error',
          codes: succeeded || stillRetrying ? [] : codesFor('connect-timeout'),
          frames: [first.synFrame, ...answered.map((a) => a.ackFrame), ...(clientRst !== undefined ? [clientRst] : []), ...cl.synFrames.filter((f) => f > first.ackFrame).slice(0, 8), ...c.server.synAckFrames.slice(0, 1)],
          summary,
          details: {
            staleAcks: answered.length,
            ack: first.ack,
            expectedAck: first.expected,
            // How far the old connection's acknowledgment is from the new SYN's ISN + 1.
            ackOffset: seqDiff(first.expected, first.ack),
            clientReset: clientRst !== undefined,
            retried,
            connected: succeeded,
            ...(succeeded ? { delaySeconds: round3(delay) } : {}),
            ...(stillRetrying ? { captureEndedEarly: true, nextRetryExpectedAfter: round3(series.nextGap) } : {}),
            socketError: succeeded ? 'none: connect() succeeded after a delay' : stillRetrying ? 'none yet: connect() was still waiting when the capture ended' : 'connect() times out',
          },
          start: splitTime(first.synTime),
          end: splitTime(succeeded ? c.server.synAckTimes[0]! : c.lastTime),
        });
      },
    };
  },
};
