import { codesFor } from './codes.js';
import { hostPort, humanDuration, round3, splitTime, type Rule } from './engine.js';
import { DNS_QUERY_TIMEOUT } from '../flow/timeouts.js';

const RCODE_NAMES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };
const QTYPE_NAMES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY' };

/** `dns-failure`: a DNS response with NXDOMAIN, SERVFAIL or REFUSED, or a query never answered. */
export const dnsFailure: Rule = {
  meta: {
    id: 'dns-failure',
    description: 'A name lookup failed: NXDOMAIN, SERVFAIL or REFUSED from the DNS server, or no answer at all.',
    severity: 'warning',
    onTheWire: 'The client sends a DNS query (UDP port 53); the server answers with RCODE 3 NXDOMAIN (name does not exist), 2 SERVFAIL or 5 REFUSED, or never answers while the client retries.',
    codes: codesFor('dns-nxdomain'),
    causes: [
      'NXDOMAIN: the name is misspelt, the record was never created or was removed, or a search-domain suffix was appended.',
      'SERVFAIL: the server could not resolve it (upstream unreachable, DNSSEC validation failure, broken delegation).',
      'REFUSED: the server does not serve this client or zone (recursion disabled, ACL).',
      'No answer: the server is down or unreachable, or a firewall drops UDP 53.',
    ],
    checks: [
      'Query the same name against the same server (dig @server name / nslookup name server).',
      'Check the client\'s resolver configuration (resolv.conf, adapter DNS settings, search suffixes).',
      'For SERVFAIL, query an authoritative server directly and check DNSSEC (dig +cd).',
      'For no answer, check reachability of the server on UDP and TCP 53.',
    ],
    differsFrom: 'A name that does not resolve fails before any connection (11001 WSAHOST_NOT_FOUND, EAI_NONAME); a temporary failure (11002 WSATRY_AGAIN, EAI_AGAIN) follows SERVFAIL or no answer. Neither sends a SYN; 10061 and 10060 need a resolved address.',
  },
  create(ctx) {
    return {
      onUdpExchangeEnd(u) {
        if (!u.dns || (u.server.port !== 53 && u.client.port !== 53)) return;
        for (const tx of u.dns.values()) {
          if (tx.queries.length === 0) continue;
          if (tx.responses.some((r) => r.rcode === 0)) continue;
          const qtype = QTYPE_NAMES[tx.qtype] ?? `TYPE${tx.qtype}`;
          const firstQ = tx.queries[0]!;
          const lastQ = tx.queries[tx.queries.length - 1]!;
          const failing = tx.responses.find((r) => r.rcode === 3 || r.rcode === 2 || r.rcode === 5);
          if (failing) {
            const rcodeName = RCODE_NAMES[failing.rcode]!;
            const sig = failing.rcode === 3 ? 'dns-nxdomain' : failing.rcode === 2 ? 'dns-servfail' : 'dns-refused';
            ctx.report({
              frames: [...tx.queries.map((q) => q.frame), ...tx.responses.map((r) => r.frame)],
              codes: codesFor(sig),
              summary: `${hostPort(u.client)} → ${hostPort(u.server)}: ${qtype} ${JSON.stringify(tx.qname)} answered ${rcodeName} after ${humanDuration(failing.time - firstQ.time)}.`,
              details: { name: tx.qname, qtype, rcode: failing.rcode, rcodeName, queries: tx.queries.length, responses: tx.responses.length },
              start: splitTime(firstQ.time),
              end: splitTime(failing.time),
            });
          } else if (tx.responses.length === 0) {
            const waited = ctx.now() - lastQ.time;
            if (waited < DNS_QUERY_TIMEOUT) continue; // the capture ended too soon to tell
            ctx.report({
              frames: tx.queries.map((q) => q.frame),
              codes: codesFor('dns-timeout'),
              summary: `${hostPort(u.client)} → ${hostPort(u.server)}: ${qtype} ${JSON.stringify(tx.qname)} never answered (${tx.queries.length} quer${tx.queries.length === 1 ? 'y' : 'ies'}, none answered within ${humanDuration(waited)}).`,
              details: { name: tx.qname, qtype, rcode: null, rcodeName: 'no-response', queries: tx.queries.length, responses: 0, intervals: tx.queries.slice(1).map((q, i) => round3(q.time - tx.queries[i]!.time)) },
              start: splitTime(firstQ.time),
              end: splitTime(lastQ.time),
            });
          }
        }
      },
    };
  },
};
