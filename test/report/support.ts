/** Hand-built findings and reports for reporter tests. */
import { codesFor } from '../../src/rules/codes.js';
import type { Finding } from '../../src/rules/types.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { communityIdOf } from '../../src/model/community-id.js';
import { streamFilter, wiresharkCommand } from '../../src/model/wireshark.js';

/** The fields a finding derives from its conversation (as the engine sets them), unless `f` has its own. */
function linked(f: Omit<Finding, 'streamFilter' | 'communityId'> & Partial<Finding>): Finding {
  const filter = f.streamFilter ?? streamFilter(f.protocol as 'tcp' | 'udp', f.stream);
  return {
    ...f,
    streamFilter: filter,
    wireshark: f.wireshark ?? wiresharkCommand('capture.pcap', f.frames[0]!, filter),
    communityId: f.communityId ?? communityIdOf(f.protocol as 'tcp' | 'udp', f.client, f.server)!,
  };
}

/** A refused connection 10.0.0.1:40000 → 10.0.0.2:80 in tcp.stream 0, frames 3 and 4; override any field. */
export function refusedFinding(overrides: Partial<Finding> = {}): Finding {
  const client = overrides.client ?? { address: '10.0.0.1', port: 40000 };
  const server = overrides.server ?? { address: '10.0.0.2', port: 80 };
  return linked({
    rule: 'connection-refused',
    severity: 'error',
    protocol: 'tcp',
    client,
    server,
    stream: 0,
    frames: [3, 4],
    start: '2024-05-01T10:00:00.000100Z',
    end: '2024-05-01T10:00:00.000300Z',
    codes: codesFor('connection-refused'),
    summary: `${client.address}:${client.port} → ${server.address}:${server.port}: SYN answered by RST after 0.20 ms: the connection was refused (nothing accepts connections on port ${server.port}).`,
    details: { attempts: 1, synCount: 1, rstFrames: [4], responseTimeMs: 0.2, retryIntervals: [] },
    filter: `ip.addr == ${client.address} && tcp.port == ${client.port} && ip.addr == ${server.address} && tcp.port == ${server.port}`,
    ...overrides,
  });
}

/** A DNS NXDOMAIN for "nope.example" from 10.0.0.53 in udp.stream 0, frames 1 and 2. */
export function nxdomainFinding(overrides: Partial<Finding> = {}): Finding {
  return linked({
    rule: 'dns-failure',
    severity: 'warning',
    protocol: 'udp',
    client: { address: '10.0.0.1', port: 53000 },
    server: { address: '10.0.0.53', port: 53 },
    stream: 0,
    frames: [1, 2],
    start: '2024-05-01T10:00:00.000000Z',
    end: '2024-05-01T10:00:00.010000Z',
    codes: codesFor('dns-nxdomain'),
    summary: '10.0.0.1:53000 → 10.0.0.53:53: A "nope.example" answered NXDOMAIN after 10 ms.',
    details: { name: 'nope.example', qtype: 'A', rcode: 3, rcodeName: 'NXDOMAIN', queries: 1, responses: 1 },
    service: 'DNS',
    filter: 'ip.addr == 10.0.0.1 && udp.port == 53000 && ip.addr == 10.0.0.53 && udp.port == 53',
    ...overrides,
  });
}

/** A report around `findings`, with counts derived from them; override capture fields. */
export function makeReport(findings: Finding[], capture: Partial<AnalysisReport['capture']> = {}): AnalysisReport {
  const byRule: Record<string, number> = {};
  for (const f of findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  return {
    schemaVersion: 1,
    tool: { name: 'wirewhy', version: '0.1.0' },
    capture: {
      file: 'capture.pcap',
      format: 'pcap',
      compression: null,
      linkTypes: ['EN10MB'],
      packets: 10,
      bytes: 1234,
      start: '2024-05-01T10:00:00.000000Z',
      end: '2024-05-01T10:00:05.000000Z',
      warnings: [],
      anomalies: {},
      ...capture,
    },
    summary: { tcpConversations: 3, udpExchanges: 2, findings: findings.length, byRule },
    findings,
  };
}

/** A port scan: `count` refused connections from one client to ports 1..count of one server. */
export function refusedScan(count: number): Finding[] {
  const out: Finding[] = [];
  for (let port = 1; port <= count; port++) {
    out.push(
      refusedFinding({
        client: { address: '10.0.0.1', port: 50000 + port },
        server: { address: '10.0.0.2', port },
        stream: port - 1,
        frames: [2 * port + 1, 2 * port + 2],
      }),
    );
  }
  return out;
}

/** Any C0/C1 control character or DEL except the newline that ends lines. */
export const CONTROL_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** Anything outside ASCII. */
export const NON_ASCII = /[^\u0000-\u007f]/;
