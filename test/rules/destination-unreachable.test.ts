import { destinationUnreachable } from '../../src/rules/destination-unreachable.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:80';

runRuleTests(destinationUnreachable, {
  valid: [
    { name: 'ICMP after the handshake completed is not a connect failure', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['SYN', 'ACK'], 5, 2).tcp('c', 0.002, ['ACK'], 2, 6).icmpError(1, '10.0.0.254', 3, 1, 'c', { flags: ['ACK'], seq: 2 }) },
    { name: 'UDP port unreachable belongs to udp-port-unreachable', packets: new Scenario(C, S).udp('c', 0).icmpError(0.001, '10.0.0.2', 3, 3, 'c', 'udp') },
  ],
  invalid: [
    {
      name: 'firewall REJECT with icmp-admin-prohibited (code 13)',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).icmpError(0.0004, '10.0.0.2', 3, 13, 'c', { flags: ['SYN'], seq: 1 }),
      findings: [{ rule: 'destination-unreachable', protocol: 'tcp', frames: [1, 2], details: { icmpType: 3, icmpCode: 13, reporter: '10.0.0.2', reporterIsTarget: true }, codes: expectCodes(10065, 113, 61) }],
    },
    {
      name: 'router says host unreachable',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).tcp('c', 1, ['SYN'], 1).icmpError(3, '10.0.0.254', 3, 1, 'c', { flags: ['SYN'], seq: 1 }),
      findings: [{ details: { icmpCode: 1, reporter: '10.0.0.254', reporterIsTarget: false, synCount: 2 } }],
    },
    {
      name: 'TCP SYN rejected with icmp-port-unreachable is a refusal on Linux',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).icmpError(0.001, '10.0.0.2', 3, 3, 'c', { flags: ['SYN'], seq: 1 }),
      findings: [{ codes: expectCodes(10061, 111, 61) }],
    },
    {
      name: 'ICMPv6 administratively prohibited (code 1)',
      packets: new Scenario('[fd00::1]:40000', '[fd00::2]:80').tcp('c', 0, ['SYN'], 1).icmpError(0.001, 'fd00::2', 1, 1, 'c', { flags: ['SYN'], seq: 1 }),
      findings: [{ details: { icmpType: 1, icmpCode: 1 } }],
    },
    {
      name: 'UDP datagram answered by network unreachable',
      packets: new Scenario(C, '10.9.0.2:53').udp('c', 0).icmpError(0.01, '10.0.0.254', 3, 0, 'c', 'udp'),
      findings: [{ protocol: 'udp', details: { icmpCode: 0 } }],
    },
  ],
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectCodes(windows: number, linux: number, macos: number): any {
  return [
    expect.objectContaining({ os: 'windows', code: windows }),
    expect.objectContaining({ os: 'linux', code: linux }),
    expect.objectContaining({ os: 'macos', code: macos }),
  ];
}
import { expect } from 'vitest';
