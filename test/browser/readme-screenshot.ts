/**
 * Renders docs/images/report.png, the README's picture of the HTML report: a kernel-made SYN
 * timeout (backoff visible in the ladder) and a refusal, merged into one capture
 * (fixtures/kernel/timeout-and-refusal.pcap). Needs /usr/bin/chromium.
 *
 *   npx tsx test/browser/readme-screenshot.ts
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCapture } from '../../src/analyze.js';
import { formatHtml } from '../../src/report/html.js';
import { FIXTURES, ROOT } from '../helpers/fixtures.js';
import { launchChromium } from './chromium.js';
import { loadReport } from './page.js';

const capture = join(FIXTURES, 'kernel/timeout-and-refusal.pcap');
const out = join(ROOT, 'docs/images/report.png');

const report = await analyzeCapture(capture, { name: 'timeout-and-refusal.pcap', conversations: true });
const browser = await launchChromium({ colorScheme: 'light', width: 1200, height: 900 });
try {
  const { page, problems, requests } = await loadReport(browser.context, formatHtml(report));
  if (problems.length > 0 || requests.length > 0) throw new Error(`page problems: ${[...problems, ...requests].join('; ')}`);
  mkdirSync(join(ROOT, 'docs/images'), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
