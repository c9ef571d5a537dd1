import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import { profilesForSyn, WINDOWS } from './syn-retry.js';
import { MAX_TRACKED_EVENTS, RstAnswer } from '../flow/tcp.js';

/** A refused attempt: the client's last SYN and the server's RST. */
interface Refusal {
  synFrame: number;
  synTime: number;
  rstFrame: number;
  rstTime: number;
}

/** What connection-refused keeps: each refused attempt (bounded), and the RSTs the client had to ignore. */
interface RefusalState {
  refusals: Refusal[];
  attempts: number;
  ignoredResets: number;
}

/** Windows sends a refused SYN this many times in all (TcpMaxConnectRetransmissions 2 retries) before 10061. */
const WINDOWS_REFUSED_ATTEMPTS = 3;
/** Windows waits its base timeout, about 0.5 s, before resending a refused SYN; twice that covers the slack. */
const WINDOWS_REFUSED_RETRY = 1;

/** `connection-refused`: a SYN answered by the target's RST before any SYN-ACK. */
export const connectionRefused: Rule = {
  meta: {
    id: 'connection-refused',
    description: 'A SYN answered by RST: nothing listens on the port, or a firewall rejects with a reset.',
    severity: 'error',
    onTheWire: 'The client sends SYN; the server (or a device in between) answers at once with RST,ACK whose ACK acknowledges the SYN (ISN + 1). No SYN-ACK ever comes. Linux and macOS report the refusal at once; Windows resends the SYN from the same port about 0.5 s later, twice, and reports 10061 only when every attempt was reset. A RST whose ACK does not acknowledge the SYN is no refusal: the client drops it (RFC 9293 §3.10.7.3) and keeps retrying (connect-timeout).',
    codes: codesFor('connection-refused'),
    causes: [
      'No process listens on that port on the target (service stopped, crashed, or bound to another address or port).',
      'A host or network firewall rejects the connection with a TCP reset (for example iptables REJECT --reject-with tcp-reset).',
      'The client connects to the wrong port or the wrong host (stale DNS record, wrong configuration).',
    ],
    checks: [
      'On the server: list listening sockets (ss -ltnp on Linux, netstat -ano | findstr LISTENING on Windows) and confirm the service listens on this address and port.',
      'Confirm the service is running and bound to the interface the client reaches (0.0.0.0 or the right address, not 127.0.0.1).',
      'Check firewall rules on the server and on the path for REJECT/reset rules.',
      'Check that the client uses the intended host name, address and port.',
    ],
    differsFrom: 'A refusal comes back at once (RST within a round trip). A timeout (10060/ETIMEDOUT) is silence: SYNs retried with growing gaps. A name that does not resolve (11001/EAI_NONAME) never reaches TCP at all.',
    gist: 'SYN answered by RST',
    signatures: [
      { signature: 'connection-refused', meaning: 'SYN answered by RST' },
    ],
    failureKind: 'refused',
  },
  create(ctx) {
    return {
      // Only RSTs that acknowledge the SYN are refusals; the others are ignored by the client,
      // which keeps retrying (see RstAnswer).
      onRst(c, p, _fromClient, answer) {
        if (answer === RstAnswer.Other) return;
        const s = ctx.stateOf<RefusalState>(c) ?? ctx.setState<RefusalState>(c, { refusals: [], attempts: 0, ignoredResets: 0 });
        if (answer === RstAnswer.Ignored) s.ignoredResets++;
        else if (s.attempts++ < MAX_TRACKED_EVENTS) s.refusals.push({ synFrame: c.client.lastSynFrame(), synTime: c.client.lastSynTime(p.time), rstFrame: p.frame, rstTime: p.time });
      },
      onTcpConversationEnd(c) {
        const s = ctx.stateOf<RefusalState>(c);
        if (s === undefined || s.attempts === 0 || c.synAckSeen || c.established) return;
        const refusals = s.refusals;
        const first = refusals[0]!;
        const last = refusals[refusals.length - 1]!;
        const rtt = first.rstTime - first.synTime;
        const attempts = s.attempts;
        const retryIntervals = refusals.slice(1).map((r, i) => round3(r.synTime - refusals[i]!.synTime));
        const frames = [...c.client.synFrames, ...c.server.rstFrames];
        const retries = attempts > 1 ? ` (${attempts} attempts, ${retryIntervals.map((x) => humanDuration(x)).join(', ')} apart)` : '';
        // Windows retries a reset SYN, about 0.5 s apart, and reports 10061 only when every attempt
        // was reset (KB 175523). A capture that ends right after an early attempt has not seen it give up.
        const stacks = profilesForSyn(c.client.synTtl, c.client.synOptions);
        const windows = stacks.length === 1 && stacks[0] === WINDOWS;
        const sinceLast = Math.max(0, ctx.now() - last.rstTime);
        const stillRetrying = windows && attempts < WINDOWS_REFUSED_ATTEMPTS && ctx.atEndOfCapture() && sinceLast < WINDOWS_REFUSED_RETRY;
        let summary = `${hostPort(c.client)} → ${hostPort(c.server)}: SYN answered by RST after ${humanDuration(rtt)}${retries}: the connection was refused (nothing accepts connections on port ${c.server.port})`;
        summary += stillRetrying
          ? `; the capture ended ${humanDuration(sinceLast)} after the last RST, while Windows retries a refused SYN (${WINDOWS_REFUSED_ATTEMPTS} attempts about 0.5 s apart) before it reports 10061.`
          : '.';
        ctx.report({
          ...(stillRetrying ? { severity: 'warning' as const } : {}),
          frames,
          summary,
          details: {
            attempts,
            synCount: c.client.synCount,
            rstFrames: refusals.map((r) => r.rstFrame),
            responseTimeMs: round3(rtt * 1000),
            retryIntervals,
            ...(stillRetrying ? { captureEndedEarly: true } : {}),
            ...(s.ignoredResets > 0 ? { ignoredResets: s.ignoredResets } : {}),
          },
          start: splitTime(first.synTime),
          end: splitTime(last.rstTime),
        });
      },
    };
  },
};
