/** A report whose DNS names and file name are markup: for the escaping tests, in Node and in the browser. */
import type { AnalysisReport } from '../../src/report/types.js';
import { dnsMessage } from '../../dev/packet-builder.js';
import { Scenario, analyzeRecords, mergeScenarios } from '../helpers/scenario.js';

/**
 * DNS names a hostile capture could carry. The image tag uses "/" between attributes: the DNS
 * decoder shows a space in a label as "\032", and HTML parsers take "/" as a separator too.
 */
export const EVIL_NAMES = ['<script>alert(1)</script>', '"><img/src=x/onerror=alert(1)>'];

/** The capture's file name, as given on a command line. */
export const EVIL_FILE = '"><img src=x onerror=alert(1)>.pcap';

/** NXDOMAIN for each evil name, one UDP exchange each, plus a healthy TCP conversation. */
export async function evilDnsReport(options: { conversations?: boolean } = {}): Promise<AnalysisReport> {
  const scenarios = EVIL_NAMES.map((name, i) =>
    new Scenario(`10.0.0.1:${53000 + i}`, '10.0.0.53:53', { t0: 1_700_000_000 + i })
      .udp('c', 0, dnsMessage({ id: i + 1, name }))
      .udp('s', 0.01, dnsMessage({ id: i + 1, name, response: true, rcode: 3 })),
  );
  const healthy = new Scenario('10.0.0.1:40000', '10.0.0.2:443', { t0: 1_700_000_000 })
    .tcp('c', 0.5, ['SYN'], 100)
    .tcp('s', 0.501, ['SYN', 'ACK'], 900, 101)
    .tcp('c', 0.502, ['ACK'], 101, 901)
    .tcp('c', 1.5, ['FIN', 'ACK'], 101, 901)
    .tcp('s', 1.501, ['FIN', 'ACK'], 901, 102)
    .tcp('c', 1.502, ['ACK'], 102, 902);
  return analyzeRecords(mergeScenarios(...scenarios, healthy), { name: EVIL_FILE, conversations: options.conversations ?? true });
}
