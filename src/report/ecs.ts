/**
 * `--format ecs`: one JSON document per finding per line in the Elastic Common Schema, for
 * Filebeat or Logstash to ship next to Zeek and Suricata records (joined by
 * `network.community_id`). ECS fields carry what ECS has a word for; everything else of the
 * finding is under `wirewhy.*`. docs/ecs.md lists the fields; test/report/ecs.test.ts validates
 * every document against the ECS definitions (test/report/ecs-fields.json).
 *
 * Ref: https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html (fields, types and
 * the categorisation fields' allowed values), as generated/ecs/ecs_flat.yml of ECS_VERSION.
 */
import { ruleById } from '../rules/index.js';
import type { ErrorCode, Finding, OsName } from '../rules/types.js';
import { jsonReplacer } from './json.js';
import type { AnalysisReport } from './types.js';

/** The ECS release the documents conform to (`ecs.version`). */
export const ECS_VERSION = '9.4.0';

/** IANA protocol numbers, as ECS's network.iana_number keyword. */
const IANA_NUMBER: Readonly<Record<string, string>> = { tcp: '6', udp: '17', icmp: '1', 'ipv6-icmp': '58' };

/** Whose code becomes `error.code`: the POSIX name most tools and people know; every OS's is in `wirewhy.codes`. */
const ERROR_CODE_ORDER: readonly OsName[] = ['linux', 'macos', 'windows'];

/** Nanoseconds from `start` to `end` (ISO 8601 with up to 9 fractional digits), or null when either is not such a time. */
export function isoDurationNs(start: string, end: string): number | null {
  const parse = (t: string): [number, number] | null => {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(t);
    if (!m) return null;
    const ms = Date.parse(`${m[1]}Z`);
    return Number.isFinite(ms) ? [ms / 1000, Number((m[2] ?? '').padEnd(9, '0'))] : null;
  };
  const a = parse(start);
  const b = parse(end);
  if (!a || !b) return null;
  return (b[0] - a[0]) * 1e9 + (b[1] - a[1]);
}

function preferredCode(codes: readonly ErrorCode[]): ErrorCode | undefined {
  for (const os of ERROR_CODE_ORDER) {
    const c = codes.find((x) => x.os === os);
    if (c) return c;
  }
  return codes[0];
}

/** The application protocol in ECS's words (lower case), when the finding names one. */
function applicationProtocol(f: Finding): string | undefined {
  const app = f.details.application;
  if (typeof app === 'object' && app !== null && typeof (app as { protocol?: unknown }).protocol === 'string') return (app as { protocol: string }).protocol.toLowerCase();
  return f.service === 'DNS' ? 'dns' : undefined;
}

function endpointFields(e: { address: string; port: number }): Record<string, unknown> {
  return { address: e.address, ip: e.address, ...(e.port >= 0 ? { port: e.port } : {}) };
}

/** One finding of the capture `file` as an ECS document (an object; see {@link formatEcsFinding}). */
export function ecsDocument(f: Finding, file: string): Record<string, unknown> {
  // ECS: network.transport is the name of the IANA protocol number (ICMPv6 is ipv6-icmp) and
  // network.type the network layer (ipv4, ipv6, …). ARP has no IP header and no protocol number:
  // it gets neither, as Packetbeat gives a flow without an IP layer neither.
  const arp = f.protocol === 'arp';
  const transport = arp ? undefined : f.protocol === 'icmp' && f.client.address.includes(':') ? 'ipv6-icmp' : f.protocol;
  const meta = ruleById(f.rule)?.meta;
  const code = preferredCode(f.codes);
  const protocol = applicationProtocol(f);
  const duration = isoDurationNs(f.start, f.end);
  const started = duration !== null;
  return {
    // A capture whose times are beyond what a date can hold has none: Filebeat then stamps the read time.
    ...(started ? { '@timestamp': f.start } : {}),
    message: f.summary,
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'event',
      category: ['network'],
      type: protocol ? ['connection', 'protocol'] : ['connection'],
      // "info" promises that nobody got an error: the connection did not fail for anyone.
      outcome: f.severity === 'info' ? 'unknown' : 'failure',
      action: f.rule,
      module: 'wirewhy',
      dataset: 'wirewhy.findings',
      ...(started ? { start: f.start, end: f.end, duration } : {}),
    },
    log: { level: f.severity },
    ...(code ? { error: { code: code.name, message: code.message, type: f.rule } } : {}),
    rule: { name: f.rule, ...(meta ? { description: meta.description } : {}), ruleset: 'wirewhy' },
    network: {
      ...(transport ? { transport, iana_number: IANA_NUMBER[transport] } : {}),
      ...(arp ? {} : { type: f.client.address.includes(':') ? 'ipv6' : 'ipv4' }),
      ...(protocol ? { protocol } : {}),
      ...(f.communityId !== undefined ? { community_id: f.communityId } : {}),
      ...(f.vlan && f.vlan.length > 0 ? { vlan: { id: String(f.vlan[0]) } } : {}),
      ...(f.vlan && f.vlan.length > 1 ? { inner: { vlan: { id: String(f.vlan[1]) } } } : {}),
    },
    // ECS: "the source of a network connection is the initiator" — the finding's client.
    source: endpointFields(f.client),
    destination: endpointFields(f.server),
    related: { ip: [...new Set([f.client.address, f.server.address])] },
    wirewhy: {
      rule: f.rule,
      severity: f.severity,
      capture: { file },
      stream: f.stream,
      stream_filter: f.streamFilter,
      filter: f.filter,
      ...(f.wireshark ? { wireshark: f.wireshark } : {}),
      frames: f.frames,
      codes: f.codes.map((c) => ({ os: c.os, code: c.code, name: c.name, message: c.message })),
      ...(f.seenBy ? { seen_by: { side: f.seenBy.side, address: f.seenBy.address, port: f.seenBy.port } } : {}),
      ...(f.service ? { service: f.service } : {}),
      details: f.details,
    },
  };
}

/** One finding as one ECS document on one line ending in "\n". */
export function formatEcsFinding(f: Finding, file: string): string {
  return `${JSON.stringify(ecsDocument(f, file), jsonReplacer)}\n`;
}

/** Every finding of a finished report, one ECS document per line. */
export function formatEcs(report: AnalysisReport): string {
  let out = '';
  for (const f of report.findings) out += formatEcsFinding(f, report.capture.file);
  return out;
}
