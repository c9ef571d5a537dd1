/** The lines printed as findings are decided on live input fit the terminal's width. */
import { describe, expect, it } from 'vitest';
import { formatLiveFinding, formatPending } from '../../src/report/live.js';
import { analyzeFile } from '../../src/index.js';

const plain = { color: false, unicode: false };

describe('live lines', async () => {
  const report = await analyzeFile('fixtures/kernel/mix.pcap');
  const refused = report.findings.find((f) => f.rule === 'connection-refused')!;
  const pending = {
    protocol: 'tcp' as const,
    stream: 2,
    client: { address: '10.210.0.1', port: 60030 },
    server: { address: '10.212.0.5', port: 80 },
    summary: '2 SYNs over 1.0 s unanswered; Linux gives up 127 to 131 s after the first SYN (in 126 to 130 s) with default settings.',
  };

  it('one line each where the width allows', () => {
    const line = formatLiveFinding(refused, { ...plain, width: 200 });
    expect(line).toBe(`connection-refused  ${refused.client.address}:${refused.client.port} -> ${refused.server.address}:${refused.server.port} (tcp.stream ${refused.stream})  Windows 10061 WSAECONNREFUSED, Linux 111 ECONNREFUSED\n`);
    expect(formatPending(pending, { ...plain, width: 200 }).split('\n')).toHaveLength(2);
  });

  for (const width of [40, 60, 80]) {
    it(`at ${width} columns no line is wider, and nothing is lost`, () => {
      for (const text of [formatLiveFinding(refused, { ...plain, width }), formatPending(pending, { ...plain, width })]) {
        const lines = text.trimEnd().split('\n');
        expect(lines.length).toBeGreaterThan(1);
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(width);
      }
      // The same words as the one-line form, in the same order.
      const words = (t: string) => t.split(/\s+/).filter((w) => w !== '');
      expect(words(formatPending(pending, { ...plain, width }))).toEqual(words(formatPending(pending, { ...plain, width: 500 })));
      expect(words(formatLiveFinding(refused, { ...plain, width }))).toEqual(words(formatLiveFinding(refused, { ...plain, width: 500 })));
    });
  }
});
