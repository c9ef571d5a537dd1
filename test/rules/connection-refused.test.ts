import { connectionRefused } from '../../src/rules/connection-refused.js';
import { runRuleTests } from '../helpers/rule-tester.js';
import { Scenario } from '../helpers/scenario.js';
import { SYN_OPTIONS } from '../helpers/syn-options.js';

/** A Windows client (TTL 128, Windows option order) whose SYNs at `times` are each refused; an unrelated packet at `captureUntil`. */
function windowsRefused(times: number[], captureUntil: number): Scenario {
  const s = new Scenario('172.16.0.8:1074', '172.16.0.102:80', { clientTtl: 128 });
  for (const t of times) s.tcp('c', t, ['SYN'], 7000, 0, { options: SYN_OPTIONS.windows }).tcp('s', t + 0.0002, ['RST', 'ACK'], 0, 7001);
  s.records.push(...new Scenario('10.0.0.7:5000', '10.0.0.8:5353').udp('c', captureUntil).records);
  return s;
}

const C = '10.0.0.1:40000';
const S = '10.0.0.2:80';

runRuleTests(connectionRefused, {
  valid: [
    { name: 'handshake completes', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('c', 0.002, ['ACK'], 101, 501) },
    { name: 'RST from the client itself is not a refusal', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 0.001, ['RST'], 101) },
    { name: 'RST after a SYN-ACK is not a refusal', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['SYN', 'ACK'], 500, 101).tcp('s', 0.5, ['RST'], 501) },
    { name: 'SYNs never answered', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('c', 1, ['SYN'], 100) },
    // RFC 9293 §3.10.7.3: in SYN-SENT a RST is acceptable only if its ACK acknowledges the SYN.
    { name: 'RST,ACK whose ACK acknowledges more than the SYN (ISN + 1 + 65536)', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 101 + 65536) },
    { name: 'RST,ACK whose ACK acknowledges nothing (ACK = ISN)', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 100) },
    { name: 'RST without the ACK bit', packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST'], 0, 0) },
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
      name: 'a SYN with data (TCP Fast Open): a RST acknowledging SYN and data is acceptable',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100, 0, { payload: 20 }).tcp('s', 0.001, ['RST', 'ACK'], 0, 121),
      findings: [{ details: { attempts: 1 } }],
    },
    {
      name: 'an ignored RST, then one that acknowledges the retried SYN: refused once',
      packets: new Scenario(C, S).tcp('c', 0, ['SYN'], 100).tcp('s', 0.001, ['RST', 'ACK'], 0, 5).tcp('c', 0.01, ['SYN'], 100).tcp('s', 0.011, ['RST', 'ACK'], 0, 101),
      findings: [{ frames: [1, 2, 3, 4], details: { attempts: 1, ignoredResets: 1, rstFrames: [4] } }],
    },
    {
      name: 'Windows: all three attempts reset, the capture goes on: refused',
      packets: windowsRefused([0, 0.5, 1.0], 10),
      findings: [{ severity: 'error', details: { attempts: 3 } }],
    },
    {
      name: 'Windows: the capture ends 0.3 s after the first reset, before its retries: warning',
      packets: windowsRefused([0], 0.3),
      findings: [{ severity: 'warning', details: { attempts: 1, captureEndedEarly: true } }],
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
