/**
 * `--format ecs`: every document of every fixture validates against the ECS field definitions
 * (test/report/ecs-fields.json, derived from Elastic's generated/ecs/ecs_flat.yml by
 * scripts/ecs-subset.ts), and says what the finding says.
 */
import { isIP } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { ECS_VERSION, ecsDocument, formatEcs, isoDurationNs } from '../../src/report/ecs.js';
import { formatReport } from '../../src/report/index.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { capturesUnder, FIXTURES } from '../helpers/fixtures.js';
import { runInProcess } from '../scan/cli-run.js';
import { makeReport, nxdomainFinding, refusedFinding } from './support.js';

interface FieldFacts {
  type: string;
  array: boolean;
  required?: true;
  allowed?: string[];
  expectedEventTypes?: Record<string, string[]>;
}
const ECS = JSON.parse(readFileSync(join(import.meta.dirname, 'ecs-fields.json'), 'utf8')) as { version: string; fields: Record<string, FieldFacts> };

/** Our own namespace: free of ECS's rules, but only this one. */
const OWN = 'wirewhy';

/** The document's leaves as dotted names (ECS's flat names); `wirewhy` is one leaf. */
function flatten(doc: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(doc)) {
    const name = prefix + k;
    if (name !== OWN && typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [n, x] of flatten(v as Record<string, unknown>, `${name}.`)) out.set(n, x);
    else out.set(name, v);
  }
  return out;
}

function typeProblem(type: string, v: unknown): string | null {
  switch (type) {
    case 'keyword':
    case 'constant_keyword':
    case 'wildcard':
    case 'match_only_text':
    case 'text':
      return typeof v === 'string' ? null : 'not a string';
    case 'long':
      return Number.isSafeInteger(v) ? null : 'not an integer';
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(v) && Number.isFinite(Date.parse(v)) ? null : 'not an ISO 8601 date';
    case 'ip':
      return typeof v === 'string' && isIP(v) !== 0 ? null : 'not an IP address';
    default:
      return `type ${type} not checked here`;
  }
}

/** Everything wrong with a document by the ECS definitions (empty when it conforms). */
function ecsProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const flat = flatten(doc);
  for (const [name, value] of flat) {
    if (name === OWN) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) problems.push(`${OWN}: not an object`);
      continue;
    }
    const field = ECS.fields[name];
    if (!field) {
      problems.push(`${name}: not an ECS field`);
      continue;
    }
    if (Array.isArray(value) !== field.array) problems.push(`${name}: ${field.array ? 'ECS wants an array' : 'ECS wants one value'}`);
    for (const v of Array.isArray(value) ? value : [value]) {
      const wrong = typeProblem(field.type, v);
      if (wrong) problems.push(`${name}: ${JSON.stringify(v)} ${wrong} (${field.type})`);
      if (field.allowed && !field.allowed.includes(v as string)) problems.push(`${name}: ${JSON.stringify(v)} is not an allowed value`);
    }
  }
  for (const [name, field] of Object.entries(ECS.fields)) if (field.required && !flat.has(name)) problems.push(`${name}: required, missing`);
  // Each event.type must be one its categories expect.
  const categories = (flat.get('event.category') as string[] | undefined) ?? [];
  const expected = new Set(categories.flatMap((c) => ECS.fields['event.category']!.expectedEventTypes?.[c] ?? []));
  for (const t of (flat.get('event.type') as string[] | undefined) ?? []) if (!expected.has(t)) problems.push(`event.type: ${t} is not expected for ${categories.join(', ')}`);
  if (flat.get('ecs.version') !== ECS.version) problems.push(`ecs.version: ${String(flat.get('ecs.version'))}, definitions of ${ECS.version}`);
  return problems;
}

function lines(text: string): Array<Record<string, unknown>> {
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the ECS definitions', () => {
  it('are those of the version the documents claim', () => {
    expect(ECS.version).toBe(ECS_VERSION);
  });

  it('catch what does not conform (the check can fail)', () => {
    const good = ecsDocument(refusedFinding(), 'capture.pcap');
    expect(ecsProblems(good)).toEqual([]);
    const bad = structuredClone(good) as Record<string, any>;
    bad.event.kind = 'failure';
    bad.event.type = ['error'];
    bad.source.port = '40000';
    bad.network.stream = 0;
    bad.related.ip = '10.0.0.1';
    bad.destination.ip = 'server';
    delete bad['@timestamp'];
    expect(ecsProblems(bad).sort()).toEqual(
      [
        'event.kind: "failure" is not an allowed value',
        'event.type: error is not expected for network',
        'source.port: "40000" not an integer (long)',
        'network.stream: not an ECS field',
        'related.ip: ECS wants an array',
        'destination.ip: "server" not an IP address (ip)',
        '@timestamp: required, missing',
      ].sort(),
    );
  });
});

describe('every fixture finding as an ECS document', () => {
  const files = capturesUnder(FIXTURES);
  let documents = 0;
  for (const file of files) {
    it(file.slice(FIXTURES.length + 1), async () => {
      const report = await analyzeCapture(file);
      const docs = lines(formatEcs(report));
      expect(docs).toHaveLength(report.findings.length);
      docs.forEach((doc, i) => {
        const f = report.findings[i]!;
        expect(ecsProblems(doc), `${f.rule} ${f.protocol}.stream ${f.stream}`).toEqual([]);
        const flat = flatten(doc);
        expect(flat.get('network.community_id')).toBe(f.communityId);
        // ECS calls ICMPv6 ipv6-icmp; ARP has no transport.
        const transport = f.protocol === 'arp' ? undefined : f.protocol === 'icmp' && f.client.address.includes(':') ? 'ipv6-icmp' : f.protocol;
        expect(flat.get('network.transport')).toBe(transport);
        expect([flat.get('source.ip'), flat.get('source.port') ?? -1]).toEqual([f.client.address, f.client.port]);
        expect([flat.get('destination.ip'), flat.get('destination.port') ?? -1]).toEqual([f.server.address, f.server.port]);
        expect(flat.get('@timestamp')).toBe(f.start);
        expect(flat.get('event.outcome')).toBe(f.severity === 'info' ? 'unknown' : 'failure');
        expect((doc.wirewhy as Record<string, unknown>).stream_filter).toBe(f.streamFilter);
      });
      documents += docs.length;
    });
  }
  it('covers many documents', () => {
    expect(documents).toBeGreaterThan(40);
  });

  it('an ARP finding has no network.transport, network.type or community_id (no IP header, no protocol number); an NDP one is ipv6-icmp over ipv6 with its Community ID', async () => {
    const network = async (name: string) => {
      const report = await analyzeCapture(join(FIXTURES, 'kernel', name));
      return lines(formatEcs(report)).map((d) => d.network as Record<string, unknown>);
    };
    expect(await network('arp-no-reply.pcap')).toEqual([{}]);
    // The ID tshark 4.0 gives the fixture's solicitations.
    expect(await network('ndp-no-reply.pcap')).toEqual([{ transport: 'ipv6-icmp', iana_number: '58', type: 'ipv6', community_id: '1:tvFCOUCEd1k9NLyNSv3Ah+kLQOQ=' }]);
  });
});

describe('what a document says', () => {
  const doc = (f = refusedFinding()) => flatten(ecsDocument(f, 'capture.pcap'));

  it('error.code is the POSIX name, error.message its words; every OS code is under wirewhy.codes', () => {
    const d = doc();
    expect(d.get('error.code')).toBe('ECONNREFUSED');
    expect(d.get('error.message')).toBe('Connection refused');
    expect((d.get(OWN) as { codes: unknown[] }).codes).toEqual(refusedFinding().codes);
  });

  it('an info finding has no error and an unknown outcome; a DNS finding names its protocol', () => {
    const info = doc(refusedFinding({ severity: 'info', codes: [] }));
    expect(info.get('event.outcome')).toBe('unknown');
    expect([...info.keys()].filter((k) => k.startsWith('error.'))).toEqual([]);
    const dns = doc(nxdomainFinding());
    expect(dns.get('network.protocol')).toBe('dns');
    expect(dns.get('event.type')).toEqual(['connection', 'protocol']);
    expect(ecsProblems(ecsDocument(nxdomainFinding(), 'capture.pcap'))).toEqual([]);
  });

  it('VLAN ids, IPv6 and a missing port', () => {
    const f = refusedFinding({ vlan: [10, 20], client: { address: '2001:db8::1', port: 40000 }, server: { address: '2001:db8::2', port: -1 } });
    const d = doc(f);
    expect([d.get('network.vlan.id'), d.get('network.inner.vlan.id'), d.get('network.type')]).toEqual(['10', '20', 'ipv6']);
    expect(d.has('destination.port')).toBe(false);
    expect(ecsProblems(ecsDocument(f, 'capture.pcap'))).toEqual([]);
  });

  it('event.duration is end minus start in nanoseconds, at the capture precision', () => {
    expect(isoDurationNs('2024-05-01T10:00:00.000100Z', '2024-05-01T10:00:00.000300Z')).toBe(200_000);
    expect(isoDurationNs('2024-05-01T10:00:00.999999999Z', '2024-05-01T10:00:01.000000001Z')).toBe(2);
    expect(isoDurationNs('1e20.000000000', '2024-05-01T10:00:00Z')).toBeNull();
    expect(doc().get('event.duration')).toBe(200_000);
  });

  it('a time no date can hold leaves @timestamp out rather than writing a wrong one', () => {
    const d = ecsDocument(refusedFinding({ start: '99999999999999.000000000', end: '99999999999999.000000000' }), 'x');
    expect(d['@timestamp']).toBeUndefined();
    expect((d.event as Record<string, unknown>).start).toBeUndefined();
  });
});

describe('wirewhy analyze and scan --format ecs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wirewhy-ecs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('analyze streams the documents formatEcs makes of the report', async () => {
    const file = join(FIXTURES, 'kernel/mix.pcap');
    const r = await runInProcess(['analyze', file, '--format', 'ecs']);
    expect(r.code).toBe(0);
    const report: AnalysisReport = await analyzeCapture(file);
    expect(r.out).toBe(formatEcs(report));
    expect(await formatReport('ecs', report, { color: false, unicode: false })).toBe(r.out);
  });

  it('scan writes a document per finding of every capture, each naming its capture', async () => {
    const captures = ['kernel/mix.pcap', 'kernel/refused.pcap', 'kernel/dns-nxdomain.pcap'].map((n) => {
      const to = join(dir, basename(n));
      copyFileSync(join(FIXTURES, n), to);
      return to;
    });
    const r = await runInProcess(['scan', dir, '--format', 'ecs', '--jobs', '1']);
    expect(r.code, r.err).toBe(0);
    const docs = lines(r.out);
    const reports = await Promise.all(captures.map((c) => analyzeCapture(c)));
    expect(docs).toHaveLength(reports.reduce((n, x) => n + x.findings.length, 0));
    for (const d of docs) expect(ecsProblems(d)).toEqual([]);
    const byFile = (d: Record<string, any>) => d.wirewhy.capture.file as string;
    for (const [i, c] of captures.entries()) {
      expect(docs.filter((d) => byFile(d) === c).map((d: Record<string, any>) => d.network.community_id).sort()).toEqual(reports[i]!.findings.map((f) => f.communityId).sort());
    }
  });
});
