import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import { DNS_QUERY_TIMEOUT, DNS_RETRY_SPAN, LATE_DNS_ANSWER } from '../flow/timeouts.js';
import type { DnsResponse, DnsResponseAtClosedPort } from '../flow/udp.js';

const RCODE_NAMES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };
const QTYPE_NAMES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY' };

/**
 * The responses among `bounced` (UdpExchange.dnsResponsesAtClosedPort) that came after the client gave up on their question: they
 * found the client's port closed (it bounced them with ICMP port unreachable), came at least
 * LATE_DNS_ANSWER after the question's last query, and no response to that question had been
 * read before them. Such an ICMP error tells of a slow DNS server, not of a missing service.
 */
export function lateDnsAnswers(bounced: readonly DnsResponseAtClosedPort[]): DnsResponseAtClosedPort[] {
  if (bounced.length === 0) return [];
  const wasBounced = (r: DnsResponse): boolean => bounced.some((x) => x.response === r);
  return bounced.filter(
    (x) =>
      x.lastQuery !== null &&
      x.response.time - x.lastQuery.time >= LATE_DNS_ANSWER &&
      x.tx.responses.every((r) => r.frame >= x.response.frame || wasBounced(r)),
  );
}

/** `dns-failure`: a DNS response with NXDOMAIN, SERVFAIL or REFUSED, a query never answered, or answered after the client gave up. */
export const dnsFailure: Rule = {
  meta: {
    id: 'dns-failure',
    description: 'A name lookup failed: NXDOMAIN, SERVFAIL or REFUSED from the DNS server, no answer at all, or an answer after the client gave up.',
    severity: 'warning',
    onTheWire:
      'The client sends a DNS query (UDP port 53); the server answers with RCODE 3 NXDOMAIN (name does not exist), 2 SERVFAIL or 5 REFUSED, or never answers while the client retries, or answers so late that the client has closed its port and bounces the answer with ICMP port unreachable.',
    codes: codesFor('dns-nxdomain'),
    causes: [
      'NXDOMAIN: the name is misspelt, the record was never created or was removed, or a search-domain suffix was appended.',
      'SERVFAIL: the server could not resolve it (upstream unreachable, DNSSEC validation failure, broken delegation).',
      'REFUSED: the server does not serve this client or zone (recursion disabled, ACL).',
      'No answer: the server is down or unreachable, or a firewall drops UDP 53.',
      'Late answer: the server is slow (an overloaded resolver, a slow or unreachable upstream or authoritative server) and answers after the client\'s resolver timed out.',
    ],
    checks: [
      'Query the same name against the same server (dig @server name / nslookup name server).',
      'Check the client\'s resolver configuration (resolv.conf, adapter DNS settings, search suffixes).',
      'For SERVFAIL, query an authoritative server directly and check DNSSEC (dig +cd).',
      'For no answer, check reachability of the server on UDP and TCP 53.',
      'For a late answer, time the same query at the server (dig shows "Query time") and check its upstreams and load.',
    ],
    differsFrom:
      'A name that does not resolve fails before any connection (11001 WSAHOST_NOT_FOUND, EAI_NONAME); a temporary failure (11002 WSATRY_AGAIN, EAI_AGAIN) follows SERVFAIL, no answer or an answer after the client gave up. Neither sends a SYN; 10061 and 10060 need a resolved address. An answer that finds the client\'s port closed is not udp-port-unreachable: the client stopped listening, nothing is missing on the server.',
    gist: 'DNS NXDOMAIN, SERVFAIL, REFUSED or no answer',
    signatures: [
      { signature: 'dns-nxdomain', meaning: 'DNS answer NXDOMAIN (RCODE 3): the name does not exist' },
      { signature: 'dns-servfail', meaning: 'DNS answer SERVFAIL (RCODE 2): the server could not resolve the name' },
      { signature: 'dns-refused', meaning: 'DNS answer REFUSED (RCODE 5): the server will not answer this client' },
      { signature: 'dns-timeout', meaning: 'DNS query never answered' },
    ],
  },
  create(ctx) {
    return {
      onUdpExchangeEnd(u) {
        if (!u.dns || (u.server.port !== 53 && u.client.port !== 53)) return;
        const atClosedPort = u.dnsResponsesAtClosedPort();
        const lateAnswers = lateDnsAnswers(atClosedPort);
        for (const tx of u.dns.values()) {
          if (tx.queries.length === 0) continue;
          const qtype = QTYPE_NAMES[tx.qtype] ?? `TYPE${tx.qtype}`;
          const firstQ = tx.queries[0]!;
          const lastQ = tx.queries[tx.queries.length - 1]!;
          const bounced = atClosedPort.filter((x) => x.tx === tx);
          const late = lateAnswers.filter((x) => x.tx === tx);
          if (late.length > 0) {
            const first = late[0]!;
            const r = first.response;
            const rcodeName = RCODE_NAMES[r.rcode] ?? `RCODE${r.rcode}`;
            const queriesBefore = tx.queries.filter((q) => q.frame < r.frame);
            const delay = r.time - first.lastQuery!.time;
            const lastIcmp = late[late.length - 1]!.icmp;
            ctx.report({
              frames: [...queriesBefore.map((q) => q.frame), ...late.flatMap((x) => [x.response.frame, x.icmp.frame])],
              codes: codesFor('dns-timeout'),
              summary: `${hostPort(u.client)} → ${hostPort(u.server)}: ${qtype} ${JSON.stringify(tx.qname)} answered after the client gave up: the ${rcodeName} response came ${humanDuration(delay)} after the last ${queriesBefore.length > 1 ? `retry (${humanDuration(r.time - firstQ.time)} after the first query)` : 'query'} and found the client's port closed (ICMP port unreachable from ${first.icmp.reporter}).`,
              details: {
                kind: 'late-answer',
                name: tx.qname,
                qtype,
                rcode: r.rcode,
                rcodeName,
                queries: queriesBefore.length,
                responses: tx.responses.length,
                answerDelay: round3(delay),
                sinceFirstQuery: round3(r.time - firstQ.time),
                intervals: intervals(queriesBefore),
                icmpFrames: late.map((x) => x.icmp.frame),
              },
              start: splitTime(firstQ.time),
              end: [lastIcmp.tsSec, lastIcmp.tsNsec],
            });
            continue;
          }
          // A response that found the port closed was never read: the application did not see it.
          const read = bounced.length === 0 ? tx.responses : tx.responses.filter((r) => !bounced.some((x) => x.response === r));
          if (read.some((r) => r.rcode === 0)) continue;
          const failing = read.find((r) => r.rcode === 3 || r.rcode === 2 || r.rcode === 5);
          if (failing) {
            const rcodeName = RCODE_NAMES[failing.rcode]!;
            const sig = failing.rcode === 3 ? 'dns-nxdomain' : failing.rcode === 2 ? 'dns-servfail' : 'dns-refused';
            ctx.report({
              frames: [...tx.queries.map((q) => q.frame), ...tx.responses.map((r) => r.frame)],
              codes: codesFor(sig),
              summary: `${hostPort(u.client)} → ${hostPort(u.server)}: ${qtype} ${JSON.stringify(tx.qname)} answered ${rcodeName} after ${humanDuration(failing.time - firstQ.time)}.`,
              details: { kind: 'error-response', name: tx.qname, qtype, rcode: failing.rcode, rcodeName, queries: tx.queries.length, responses: tx.responses.length },
              start: splitTime(firstQ.time),
              end: splitTime(failing.time),
            });
          } else if (tx.responses.length === 0) {
            const waited = ctx.now() - lastQ.time;
            const span = lastQ.time - firstQ.time;
            // Unanswered once 2 s passed after the last query, or once the retries themselves span
            // 5 s (a capture that ends at the last retry still shows the client waiting).
            if (waited < DNS_QUERY_TIMEOUT && span < DNS_RETRY_SPAN) continue;
            // A single query the client never retried, to a server the capture never heard from:
            // the answer may have come back out of view (a one-way capture). Retries still prove it.
            if (tx.queries.length === 1 && !u.dnsServerHeard) continue;
            const n = tx.queries.length;
            const how = n === 1 ? `1 query, none answered within ${humanDuration(waited)}` : `${n} queries over ${humanDuration(span)}, none answered within ${humanDuration(span + waited)}`;
            ctx.report({
              frames: tx.queries.map((q) => q.frame),
              codes: codesFor('dns-timeout'),
              summary: `${hostPort(u.client)} → ${hostPort(u.server)}: ${qtype} ${JSON.stringify(tx.qname)} never answered (${how}).`,
              details: {
                kind: 'no-response',
                name: tx.qname,
                qtype,
                rcode: null,
                rcodeName: 'no-response',
                queries: n,
                responses: 0,
                intervals: intervals(tx.queries),
                waitedAfterLast: round3(waited),
                serverHeard: u.dnsServerHeard,
              },
              start: splitTime(firstQ.time),
              end: splitTime(lastQ.time),
            });
          }
        }
      },
    };
  },
};

/** Seconds between successive queries. */
function intervals(queries: ReadonlyArray<{ time: number }>): number[] {
  return queries.slice(1).map((q, i) => round3(q.time - queries[i]!.time));
}
