import { connectionRefused } from '../../src/rules/connection-refused.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';

const C = '10.0.0.1:40000';
const S = '10.0.0.2:80';

runRuleTests(connectionRefused, {
  valid: [
    { name: 'handshake completes', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501) },
    { name: 'RST from the client itself is not a refusal', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 0.001, ['RST'], 101) },
    { name: 'RST after a SYN-ACK is not a refusal', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('s', 0.5, ['RST'], 501) },
    { name: 'SYNs never answered', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 1, ['SYN'], 100) },
  ],
  invalid: [
    {
      name: 'Linux: one SYN, RST,ACK 0.2 ms later',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.0002, ['RST', 'ACK'], 0, 101),
      findings: [
        {
          rule: 'connection-refused',
          protocol: 'tcp',
          client: { address: '10.0.0.1', port: 40000 },
          server: { address: '10.0.0.2', port: 80 },
          stream: 0,
          frames: [1, 2],
          details: { attempts: 1, responseTimeMs: 0.2 },
        },
      ],
    },
    {
      name: 'Windows: three refused SYNs from the same port 0.5 s apart are one finding',
      packets: new Scenario('172.16.0.8:1074', '172.16.0.102:80')
        .tcp('c', 0, ['SYN'], 7000)
        .tcp('s', 0.0002, ['RST', 'ACK'], 0, 7001)
        .tcp('c', 0.5, ['SYN'], 7000)
        .tcp('s', 0.5002, ['RST', 'ACK'], 0, 7001)
        .tcp('c', 1.0, ['SYN'], 7000)
        .tcp('s', 1.0002, ['RST', 'ACK'], 0, 7001),
      findings: [{ stream: 0, frames: [1, 2, 3, 4, 5, 6], details: { attempts: 3, retryIntervals: [0.5, 0.5] } }],
    },
    {
      name: 'IPv6 refusal',
      packets: new Scenario('[2001:db8::1]:50000', '[2001:db8::2]:443').tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2),
      findings: [{ client: { address: '2001:db8::1', port: 50000 }, server: { address: '2001:db8::2', port: 443 }, filter: 'ipv6.addr == 2001:db8::1 && tcp.port == 50000 && ipv6.addr == 2001:db8::2 && tcp.port == 443' }],
    },
    {
      name: 'SQL Server port names the service',
      packets: new Scenario('10.0.0.5:50001', '10.0.0.9:1433').tcp('c', 0, ['SYN'], 1).tcp('s', 0.001, ['RST', 'ACK'], 0, 2),
      findings: [{ service: 'SQL Server' }],
    },
    {
      name: 'VLAN-tagged refusal carries the VLAN id and filter',
      packets: new Scenario(C, S, { vlans: [42] }).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101),
      findings: [{ vlan: [42], filter: 'ip.addr == 10.0.0.1 && tcp.port == 40000 && ip.addr == 10.0.0.2 && tcp.port == 80 && vlan.id == 42' }],
    },
  ],
});
