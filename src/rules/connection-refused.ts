import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';

/** `connection-refused`: a SYN answered by the target's RST before any SYN-ACK. */
export const connectionRefused: Rule = {
  meta: {
    id: 'connection-refused',
    description: 'A SYN answered by RST: nothing listens on the port, or a firewall rejects with a reset.',
    severity: 'error',
    onTheWire: 'The client sends SYN; the server (or a device in between) answers at once with RST (usually RST,ACK). No SYN-ACK ever comes. Windows retries from the same port about 0.5 s later, two or three times.',
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
  },
  create(ctx) {
    return {
      onTcpConversationEnd(c) {
        if (c.refusals.length === 0 || c.synAckSeen || c.established) return;
        const first = c.refusals[0]!;
        const last = c.refusals[c.refusals.length - 1]!;
        const rtt = first.rstTime - first.synTime;
        const attempts = c.refusals.length;
        const retryIntervals = c.refusals.slice(1).map((r, i) => round3(r.synTime - c.refusals[i]!.synTime));
        const frames = [...c.client.synFrames, ...c.server.rstFrames];
        const retries = attempts > 1 ? ` (${attempts} attempts, ${retryIntervals.map((x) => humanDuration(x)).join(', ')} apart)` : '';
        ctx.report({
          frames,
          summary: `${hostPort(c.client)} → ${hostPort(c.server)}: SYN answered by RST after ${humanDuration(rtt)}${retries}: the connection was refused (nothing accepts connections on port ${c.server.port}).`,
          details: {
            attempts,
            synCount: c.client.synCount,
            rstFrames: c.server.rstFrames.slice(),
            responseTimeMs: round3(rtt * 1000),
            retryIntervals,
          },
          start: splitTime(first.synTime),
          end: splitTime(last.rstTime),
        });
      },
    };
  },
};
