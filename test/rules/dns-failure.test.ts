import { describe, expect, it } from 'vitest';
import { dnsFailure } from '../../src/rules/dns-failure.js';
import { dnsMessage } from '../../dev/packet-builder.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { analyzeRecords, mergeScenarios, Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:33333';
const S = '10.0.0.53:53';
const q = (name: string, id = 1, qtype = 1) => dnsMessage({ id, name, qtype });
const r = (name: string, rcode: number, id = 1, answers = 0, qtype = 1) => dnsMessage({ id, name, qtype, response: true, rcode, answers });
/** A datagram of an unrelated exchange at `t`: the capture goes on until then. */
const later = (t: number) => new Scenario('10.1.1.1:1', '10.1.1.2:2').udp('c', t);
/** An answered lookup from the same client host on another port: the capture sees this server answer it. */
const answeredElsewhere = (t: number) => new Scenario('10.0.0.1:40000', S).udp('c', t, q('seen.example', 9)).udp('s', t + 0.01, r('seen.example', 0, 9, 1));

runRuleTests(dnsFailure, {
  valid: [
    { name: 'answered NOERROR', packets: new Scenario(C, S).udp('c', 0, q('example.com')).udp('s', 0.01, r('example.com', 0, 1, 1)) },
    { name: 'retried and then answered', packets: new Scenario(C, S).udp('c', 0, q('example.com')).udp('c', 1, q('example.com', 2)).udp('s', 1.01, r('example.com', 0, 2, 1)) },
    { name: 'unanswered but the capture ends at once (too soon to tell)', packets: new Scenario(C, S).udp('c', 0, q('example.com')) },
    {
      name: 'retries spanning less than 5 s and the capture ends at the last one (too soon to tell)',
      packets: new Scenario(C, S).udp('c', 0, q('slow.example')).udp('c', 1, q('slow.example')).udp('c', 2, q('slow.example')).udp('c', 4, q('slow.example')),
    },
    {
      name: 'one-way capture: a single query to a server the capture never heard from, never retried',
      packets: mergeScenarios(new Scenario(C, S).udp('c', 0, q('cdn.example')), later(20)),
    },
    {
      name: 'an answer that finds the port closed at once was not waited for (the client had gone): not a slow server',
      packets: new Scenario(C, S).udp('c', 0, q('bag.example')).udp('s', 0.046, r('bag.example', 0, 1, 1)).icmpError(0.17, '10.0.0.1', 3, 3, 's', 'udp'),
    },
    {
      name: 'an NXDOMAIN nobody read (the port was closed) is not the application\'s failure',
      packets: new Scenario(C, S).udp('c', 0, q('local', 1, 6)).udp('s', 0.03, r('local', 3, 1, 0, 6)).icmpError(0.0301, '10.0.0.1', 3, 3, 's', 'udp'),
    },
    {
      name: 'a duplicate answer bounced after the first was read is not a late answer',
      packets: new Scenario(C, S).udp('c', 0, q('example.com')).udp('s', 0.01, r('example.com', 0, 1, 1)).udp('s', 3, r('example.com', 0, 1, 1)).icmpError(3.0001, '10.0.0.1', 3, 3, 's', 'udp'),
    },
    { name: 'mDNS is not DNS service failure', packets: new Scenario('10.0.0.1:5353', '224.0.0.251:5353').udp('c', 0, q('printer.local')) },
  ],
  invalid: [
    {
      name: 'NXDOMAIN',
      packets: new Scenario(C, S).udp('c', 0, q('nosuch.example')).udp('s', 0.02, r('nosuch.example', 3)),
      findings: [{ rule: 'dns-failure', protocol: 'udp', frames: [1, 2], details: { kind: 'error-response', name: 'nosuch.example', rcodeName: 'NXDOMAIN', qtype: 'A' }, codes: [expect.objectContaining({ os: 'windows', code: 11001 }), expect.objectContaining({ os: 'linux', name: 'EAI_NONAME' }), expect.objectContaining({ os: 'macos' })] }],
    },
    { name: 'SERVFAIL', packets: new Scenario(C, S).udp('c', 0, q('broken.example')).udp('s', 0.5, r('broken.example', 2)), findings: [{ details: { rcodeName: 'SERVFAIL' } }] },
    { name: 'REFUSED', packets: new Scenario(C, S).udp('c', 0, q('other.example')).udp('s', 0.5, r('other.example', 5)), findings: [{ details: { rcodeName: 'REFUSED' } }] },
    {
      name: 'never answered, capture goes on',
      packets: new Scenario(C, S).udp('c', 0, q('slow.example')).udp('c', 5, q('slow.example', 2)).udp('c', 10, q('slow.example', 3)).raw(20, later(0).records[0]!.data as Buffer),
      findings: [{ frames: [1, 2, 3], details: { kind: 'no-response', rcodeName: 'no-response', queries: 3, intervals: [5, 5] } }],
    },
    {
      name: 'a single query never answered although the capture saw this server answer the client',
      packets: mergeScenarios(answeredElsewhere(0), new Scenario(C, S).udp('c', 1, q('lost.example')), later(10)),
      findings: [{ frames: [3], details: { kind: 'no-response', name: 'lost.example', queries: 1, serverHeard: true } }],
    },
    {
      name: 'retries spanning 5 s prove the wait although the capture ends at the last retry',
      packets: new Scenario(C, S).udp('c', 0, q('www.example')).udp('c', 2, q('www.example')).udp('c', 4, q('www.example')).udp('c', 8, q('www.example')),
      findings: [{ frames: [1, 2, 3, 4], codes: [expect.objectContaining({ os: 'windows', code: 11002 }), expect.objectContaining({ name: 'EAI_AGAIN' }), expect.objectContaining({ name: 'EAI_AGAIN' })], details: { kind: 'no-response', queries: 4, intervals: [2, 2, 4], waitedAfterLast: 0 } }],
    },
    {
      name: 'one-way capture: retries still prove the silence',
      packets: mergeScenarios(new Scenario(C, S).udp('c', 0, q('cdn.example')).udp('c', 5, q('cdn.example')), later(20)),
      findings: [{ frames: [1, 2], details: { kind: 'no-response', queries: 2, serverHeard: false } }],
    },
    {
      name: 'two names failing in one exchange are two findings',
      packets: new Scenario(C, S).udp('c', 0, q('a.example', 1)).udp('s', 0.01, r('a.example', 3, 1)).udp('c', 0.1, q('b.example', 2)).udp('s', 0.11, r('b.example', 3, 2)),
      findings: [{ details: { name: 'a.example' } }, { details: { name: 'b.example' } }],
    },
    {
      name: 'an answer after the client gave up: bounced by its closed port, tied back to the question',
      packets: new Scenario(C, S).udp('c', 0, q('slow.example')).udp('c', 1, q('slow.example')).udp('s', 5.5, r('slow.example', 0, 1, 1)).icmpError(5.5002, '10.0.0.1', 3, 3, 's', 'udp'),
      findings: [
        {
          frames: [1, 2, 3, 4],
          codes: [expect.objectContaining({ os: 'windows', code: 11002 }), expect.objectContaining({ name: 'EAI_AGAIN' }), expect.objectContaining({ name: 'EAI_AGAIN' })],
          summary: expect.stringContaining('answered after the client gave up: the NOERROR response came 4.5 s after the last retry'),
          details: { kind: 'late-answer', name: 'slow.example', rcodeName: 'NOERROR', queries: 2, answerDelay: 4.5, sinceFirstQuery: 5.5, icmpFrames: [4] },
        },
      ],
    },
  ],
});

describe('dns-failure beside the other rules', () => {
  it('Windows alternating two servers with one question: a finding on each udp.stream', async () => {
    // Frames of cs_nowebaccess1.pcapng's shape: one client port, the same id, 4.2.2.2 and 4.2.2.1 in turn.
    const a = new Scenario('172.16.0.8:55870', '4.2.2.2:53');
    const b = new Scenario('172.16.0.8:55870', '4.2.2.1:53');
    for (const t of [0, 2, 4, 8]) a.udp('c', t, q('www.google.com', 0x80d1));
    for (const t of [1, 4, 8]) b.udp('c', t + 0.0001, q('www.google.com', 0x80d1));
    const report = await analyzeRecords(mergeScenarios(a, b));
    expect(report.findings.map((f) => [f.rule, f.stream, f.server.address, f.details.queries])).toEqual([
      ['dns-failure', 0, '4.2.2.2', 4],
      ['dns-failure', 1, '4.2.2.1', 3],
    ]);
  });

  it('a server that answers every retry late: one finding with each bounced answer, no udp-port-unreachable', async () => {
    const s = new Scenario(C, S)
      .udp('c', 0, q('slow.example'))
      .udp('c', 1, q('slow.example'))
      .udp('s', 3, r('slow.example', 0, 1, 1))
      .icmpError(3.0001, '10.0.0.1', 3, 3, 's', 'udp')
      .udp('s', 4, r('slow.example', 0, 1, 1))
      .icmpError(4.0001, '10.0.0.1', 3, 3, 's', 'udp');
    const report = await analyzeRecords(s.records);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ rule: 'dns-failure', frames: [1, 2, 3, 4, 5, 6], details: { kind: 'late-answer', answerDelay: 2, responses: 2, icmpFrames: [4, 6] } });
  });

  it('a late answer is the DNS failure, not a UDP port with nothing listening', async () => {
    const s = new Scenario(C, S).udp('c', 0, q('slow.example')).udp('s', 6, r('slow.example', 0, 1, 1)).icmpError(6.0001, '10.0.0.1', 3, 3, 's', 'udp');
    const report = await analyzeRecords(s.records);
    expect(report.findings.map((f) => [f.rule, f.severity, f.details.kind])).toEqual([['dns-failure', 'warning', 'late-answer']]);
  });
});
