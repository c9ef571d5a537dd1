import { udpPortUnreachable } from '../../src/rules/udp-port-unreachable.js';
import { dnsMessage } from '../../dev/packet-builder.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:5555';
const S = '10.0.0.2:9999';
const query = dnsMessage({ id: 7, name: 'slow.example' });
const answer = dnsMessage({ id: 7, name: 'slow.example', response: true, answers: 1 });

runRuleTests(udpPortUnreachable, {
  valid: [
    { name: 'datagram answered by a datagram', packets: new Scenario(C, S).udp('c', 0).udp('s', 0.001) },
    { name: 'host unreachable is another rule', packets: new Scenario(C, S).udp('c', 0).icmpError(0.001, '10.0.0.254', 3, 1, 'c', 'udp') },
    {
      name: 'a DNS answer after the client gave up, bounced by its closed port, is a slow server (dns-failure)',
      packets: new Scenario('10.0.0.1:52328', '10.0.0.53:53').udp('c', 0, query).udp('c', 1, query).udp('s', 5.5, answer).icmpError(5.5002, '10.0.0.1', 3, 3, 's', 'udp'),
    },
    { name: 'port unreachable quoting TCP is another rule', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 1).icmpError(0.001, '10.0.0.2', 3, 3, 'c', { flags: ['SYN'], seq: 1 }) },
  ],
  invalid: [
    {
      name: 'IPv4: ICMP 3/3 quoting the datagram',
      packets: new Scenario(C, S).udp('c', 0).icmpError(0.0003, '10.0.0.2', 3, 3, 'c', 'udp'),
      findings: [{ rule: 'udp-port-unreachable', protocol: 'udp', stream: 0, frames: [1, 2], client: { address: '10.0.0.1', port: 5555 }, server: { address: '10.0.0.2', port: 9999 }, details: { icmpErrors: 1, reporter: '10.0.0.2' } }],
    },
    {
      name: 'IPv6: ICMPv6 1/4 quoting the datagram',
      packets: new Scenario('[fd00::1]:5555', '[fd00::2]:161').udp('c', 0).icmpError(0.0003, 'fd00::2', 1, 4, 'c', 'udp'),
      findings: [{ server: { address: 'fd00::2', port: 161 }, service: 'SNMP' }],
    },
    {
      name: 'repeated datagrams and errors are one finding per exchange',
      packets: new Scenario(C, S).udp('c', 0).icmpError(0.001, '10.0.0.2', 3, 3, 'c', 'udp').udp('c', 1).icmpError(1.001, '10.0.0.2', 3, 3, 'c', 'udp'),
      findings: [{ frames: [1, 2, 3, 4], details: { icmpErrors: 2, datagramsSent: 2 } }],
    },
    {
      name: 'the sender of the bounced datagram is the client, even if the other side spoke first',
      packets: new Scenario(C, S).udp('c', 0).udp('s', 5).icmpError(5.001, '10.0.0.1', 3, 3, 's', 'udp'),
      findings: [{ client: { address: '10.0.0.2', port: 9999 }, server: { address: '10.0.0.1', port: 5555 } }],
    },
    {
      name: 'a DNS answer bounced at once was not waited for: the client had closed the port before a slow server could matter',
      packets: new Scenario('10.0.0.1:52328', '10.0.0.53:53').udp('c', 0, query).udp('s', 0.046, answer).icmpError(0.17, '10.0.0.1', 3, 3, 's', 'udp'),
      findings: [{ client: { address: '10.0.0.53', port: 53 }, server: { address: '10.0.0.1', port: 52328 }, frames: [2, 3], details: { icmpErrors: 1 } }],
    },
    {
      name: 'an ICMP error alone (the datagram was not captured) still names the flow',
      packets: new Scenario(C, S).icmpError(0, '10.0.0.2', 3, 3, 'c', 'udp'),
      findings: [{ stream: 0, frames: [1], client: { address: '10.0.0.1', port: 5555 } }],
    },
  ],
});
