import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/report/text.js';
import { frame } from '../../dev/packet-builder.js';
import { writePcap } from '../../dev/pcap-writer.js';
import { analyzeBuffer, analyzeRecords } from '../helpers/scenario.js';

const T0 = 1_700_000_000;
const LLDP = 0x88cc;
const ARP = 0x0806;

/** What a switch port shows when nothing on it talks TCP or UDP: LLDP, GRE, an ICMP redirect. */
function quietLink() {
  return [
    { time: T0, data: frame().eth({ type: LLDP, dst: '01:80:c2:00:00:0e' }).payload(Buffer.alloc(40)).build() },
    { time: T0 + 1, data: frame().eth({ type: LLDP, dst: '01:80:c2:00:00:0e' }).payload(Buffer.alloc(40)).build() },
    { time: T0 + 2, data: frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 47 }).payload(Buffer.alloc(24)).build() },
    { time: T0 + 3, data: frame().eth().ipv4({ src: '10.0.0.254', dst: '10.0.0.1' }).icmp({ type: 5, code: 1, quote: frame().ipv4({ src: '10.0.0.1', dst: '10.9.9.9', protocol: 47 }).payload(Buffer.alloc(8)).buildIp() }).build() },
    // ARP whose hardware type is not Ethernet (0 here) is not decoded; IPv4-over-Ethernet ARP is.
    { time: T0 + 4, data: frame().eth({ type: ARP }).payload(Buffer.alloc(28)).build() },
  ];
}

describe('a report says what it did not analyse', () => {
  it('counts non-IP frames by kind, IP protocols no rule reads and ICMP outside conversations', async () => {
    const report = await analyzeRecords(quietLink());
    expect(report.findings).toEqual([]);
    expect(report.capture.notAnalysed).toEqual({
      'ARP (not IPv4 over Ethernet) frames': 1,
      'ICMP errors not tied to a TCP or UDP conversation (time exceeded, packet too big, …)': 1,
      'IP protocol 47 (GRE) packets': 1,
      'LLDP frames': 2,
    });
    const text = formatText(report, { color: false, unicode: false });
    expect(text).toContain('No failed connections found in 0 TCP conversations and 0 UDP exchanges.');
    expect(text).toContain('Not analysed: 1 ARP (not IPv4 over Ethernet) frames, 1 ICMP errors not tied to a TCP or UDP conversation (time exceeded, packet too big, …), 1 IP protocol 47 (GRE) packets, 2 LLDP frames.');
  });

  it('leaves notAnalysed out when every frame was analysed', async () => {
    const report = await analyzeRecords([{ time: T0, data: frame().eth().ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }).udp({ sport: 5000, dport: 5001 }).build() }]);
    expect(report.capture.notAnalysed).toBeUndefined();
  });

  it('warns on a capture of no packets', async () => {
    const report = await analyzeBuffer(writePcap([]));
    expect(report.capture.warnings).toContainEqual({ code: 'no_packets', message: 'the capture holds no packets: wrong interface or filter?' });
  });
});
