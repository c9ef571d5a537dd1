/**
 * The HTML report in a real browser (Debian's chromium through playwright-core): every
 * kernel-made fixture loads without console errors or network requests and shows one ladder
 * per finding; markup in DNS names stays text; filters, keyboard and copy work; dark mode
 * applies. Screenshots go to test-artifacts/html/.
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { MAX_HTML_FINDINGS, formatHtml, formatScanHtml } from '../../src/report/html.js';
import { FIXTURES, ROOT, capturesUnder } from '../helpers/fixtures.js';
import { canRun } from '../helpers/tools.js';
import { CHROMIUM_PATH, HAVE_CHROMIUM, launchChromium } from './chromium.js';
import { EVIL_NAMES, evilDnsReport } from './evil-report.js';
import { loadReport } from './page.js';

const RUN = canRun('chromium', HAVE_CHROMIUM, `${CHROMIUM_PATH} is missing; apt-get install -y chromium`);
const ARTIFACTS = join(ROOT, 'test-artifacts', 'html');
const KERNEL = capturesUnder(join(FIXTURES, 'kernel'));

describe.skipIf(!RUN)('the HTML report in headless chromium', () => {
  let light: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    light = await launchChromium({ colorScheme: 'light', width: 1280, height: 900 });
  });
  afterAll(async () => {
    await light?.close();
  });

  it('has kernel-made fixtures to render', () => {
    expect(KERNEL.length).toBeGreaterThan(0);
  });

  for (const capture of KERNEL) {
    const name = basename(capture).replace(/\.pcap(ng)?$/, '');
    it(`${name}: loads without errors or requests and draws one ladder per finding`, async () => {
      const report = await analyzeCapture(capture, { name: `fixtures/kernel/${basename(capture)}`, conversations: true });
      const { page, problems, requests, dialogs } = await loadReport(light.context, formatHtml(report));
      try {
        expect(problems).toEqual([]);
        expect(requests).toEqual([]);
        expect(dialogs).toEqual([]);
        const findings = Math.min(report.findings.length, MAX_HTML_FINDINGS);
        expect(await page.locator('article.finding').count()).toBe(findings);
        expect(await page.locator('article.finding svg.ladder-svg').count()).toBe(findings);
        expect(await page.locator('svg.timeline-svg').count()).toBe(report.summary.tcpConversations + report.summary.udpExchanges > 0 ? 1 : 0);
        await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    });
  }

  it('shows markup from DNS names and file names as text: no injected element, no script runs', async () => {
    const { page, problems, requests, dialogs } = await loadReport(light.context, formatHtml(await evilDnsReport()));
    try {
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('[onerror], [onload]').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1);
      const text = await page.locator('main').innerText();
      for (const name of EVIL_NAMES) expect(text).toContain(name);
      expect(text).toContain('"><img src=x onerror=alert(1)>.pcap');
      await page.screenshot({ path: join(ARTIFACTS, 'escaping.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('filters by rule and by endpoint without reloading, from the keyboard too', async () => {
    const report = await analyzeCapture(join(FIXTURES, 'kernel/mix.pcap'), { conversations: true });
    const rules = [...new Set(report.findings.map((f) => f.rule))];
    expect(rules.length).toBeGreaterThan(1);
    const { page, problems } = await loadReport(light.context, formatHtml(report));
    try {
      const visible = page.locator('article.finding:visible');
      const all = report.findings.length;
      expect(await visible.count()).toBe(all);

      const rule = rules[0]!;
      await page.selectOption('#rule-filter', rule);
      expect(await visible.count()).toBe(report.findings.filter((f) => f.rule === rule).length);
      expect(await page.locator(`article.finding:visible:not([data-rule="${rule}"])`).count()).toBe(0);
      expect(await page.locator('.timeline-svg .span.dimmed').count()).toBe(report.conversations!.spans.filter((s) => s.rule !== rule).length);
      expect(await page.locator('#filter-status').innerText()).toBe(`Showing ${await visible.count()} of ${all} findings`);

      // Endpoint: a server port narrows to the findings on it.
      await page.click('#clear-filters');
      const target = report.findings[1]!;
      await page.fill('#endpoint-filter', `:${target.server.port}`);
      const expected = report.findings.filter((f) => `${f.client.address}:${f.client.port} ${f.server.address}:${f.server.port}`.includes(`:${target.server.port}`)).length;
      expect(await visible.count()).toBe(expected);
      await page.fill('#endpoint-filter', '203.0.113.77');
      expect(await visible.count()).toBe(0);
      expect(await page.locator('.no-match:visible').count()).toBe(1);

      // Keyboard: the filters are reached in order with Tab; a "Show only" button works with Enter.
      await page.click('#clear-filters');
      expect(await page.evaluate('document.activeElement.id')).toBe('rule-filter');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.id')).toBe('endpoint-filter');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.id')).toBe('clear-filters');
      const last = rules[rules.length - 1]!;
      await page.locator(`button[data-show-rule="${last}"]`).focus();
      await page.keyboard.press('Enter');
      expect(await page.inputValue('#rule-filter')).toBe(last);
      expect(await visible.count()).toBe(report.findings.filter((f) => f.rule === last).length);
      expect(await page.evaluate('location.href')).toBe('http://wirewhy.invalid/report.html');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('copy buttons copy the Wireshark filter (or say to copy it by hand)', async () => {
    const report = await analyzeCapture(join(FIXTURES, 'kernel/refused.pcap'), { conversations: true });
    const { page, problems } = await loadReport(light.context, formatHtml(report));
    try {
      const button = page.locator('button[data-copy]').first();
      expect(await button.getAttribute('aria-label')).toMatch(/^Copy the Wireshark display filter/);
      await button.click();
      const id = await button.getAttribute('data-copy');
      await expect.poll(() => page.locator(`#${id}-status`).innerText()).toMatch(/^(Copied|Select and copy)$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('follows the dark colour scheme', async () => {
    const dark = await launchChromium({ colorScheme: 'dark', width: 1280, height: 900 });
    try {
      const report = await analyzeCapture(join(FIXTURES, 'kernel/mix.pcap'), { conversations: true });
      const { page, problems } = await loadReport(dark.context, formatHtml(report));
      const background = (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
      expect(r! + g! + b!).toBeLessThan(3 * 60);
      expect(problems).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'mix-dark.png'), fullPage: true });
    } finally {
      await dark.close();
    }
  });

  it('renders a scan: a section per capture and the unreadable ones', async () => {
    const reports = await Promise.all(
      KERNEL.slice(0, 4).map((c) => analyzeCapture(c, { name: `fixtures/kernel/${basename(c)}`, conversations: true })),
    );
    const html = formatScanHtml({ reports, failures: [{ file: 'broken/<b>notes</b>.pcap', error: 'not a capture file (at byte offset 0)' }] });
    const { page, problems, requests } = await loadReport(light.context, html);
    try {
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.locator('section.file-section').count()).toBe(reports.length);
      const findings = reports.reduce((n, r) => n + Math.min(r.findings.length, MAX_HTML_FINDINGS), 0);
      expect(await page.locator('svg.ladder-svg').count()).toBe(findings);
      expect(await page.locator('.errors td').first().innerText()).toBe('broken/<b>notes</b>.pcap');
      await page.screenshot({ path: join(ARTIFACTS, 'scan.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
