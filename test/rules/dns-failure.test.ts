import { dnsFailure } from '../../src/rules/dns-failure.js';
import { dnsMessage } from '../helpers/packet-builder.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:33333';
const S = '10.0.0.53:53';
const q = (name: string, id = 1, qtype = 1) => dnsMessage({ id, name, qtype });
const r = (name: string, rcode: number, id = 1, answers = 0) => dnsMessage({ id, name, response: true, rcode, answers });

runRuleTests(dnsFailure, {
  valid: [
    { name: 'answered NOERROR', packets: new Scenario(C, S).udp('c', 0, q('example.com')).udp('s', 0.01, r('example.com', 0, 1, 1)) },
    { name: 'retried and then answered', packets: new Scenario(C, S).udp('c', 0, q('example.com')).udp('c', 1, q('example.com', 2)).udp('s', 1.01, r('example.com', 0, 2, 1)) },
    { name: 'unanswered but the capture ends at once (too soon to tell)', packets: new Scenario(C, S).udp('c', 0, q('example.com')) },
    { name: 'mDNS is not DNS service failure', packets: new Scenario('10.0.0.1:5353', '224.0.0.251:5353').udp('c', 0, q('printer.local')) },
  ],
  invalid: [
    {
      name: 'NXDOMAIN',
      packets: new Scenario(C, S).udp('c', 0, q('nosuch.example')).udp('s', 0.02, r('nosuch.example', 3)),
      findings: [{ rule: 'dns-failure', protocol: 'udp', frames: [1, 2], details: { name: 'nosuch.example', rcodeName: 'NXDOMAIN', qtype: 'A' }, codes: [expect.objectContaining({ os: 'windows', code: 11001 }), expect.objectContaining({ os: 'linux', name: 'EAI_NONAME' }), expect.objectContaining({ os: 'macos' })] }],
    },
    { name: 'SERVFAIL', packets: new Scenario(C, S).udp('c', 0, q('broken.example')).udp('s', 0.5, r('broken.example', 2)), findings: [{ details: { rcodeName: 'SERVFAIL' } }] },
    { name: 'REFUSED', packets: new Scenario(C, S).udp('c', 0, q('other.example')).udp('s', 0.5, r('other.example', 5)), findings: [{ details: { rcodeName: 'REFUSED' } }] },
    {
      name: 'never answered, capture goes on',
      packets: new Scenario(C, S).udp('c', 0, q('slow.example')).udp('c', 5, q('slow.example', 2)).udp('c', 10, q('slow.example', 3)).raw(20, new Scenario('10.1.1.1:1', '10.1.1.2:2').udp('c', 0).records[0]!.data as Buffer),
      findings: [{ frames: [1, 2, 3], details: { rcodeName: 'no-response', queries: 3, intervals: [5, 5] } }],
    },
    {
      name: 'two names failing in one exchange are two findings',
      packets: new Scenario(C, S).udp('c', 0, q('a.example', 1)).udp('s', 0.01, r('a.example', 3, 1)).udp('c', 0.1, q('b.example', 2)).udp('s', 0.11, r('b.example', 3, 2)),
      findings: [{ details: { name: 'a.example' } }, { details: { name: 'b.example' } }],
    },
  ],
});
import { expect } from 'vitest';
