/**
 * The HTML report in a real browser (Debian's chromium through playwright-core): every
 * kernel-made fixture loads without console errors or network requests and shows one ladder
 * per finding; markup in DNS names stays text; filters, keyboard and copy work; dark mode
 * applies; the page fits a 390 px phone (tables stack or scroll in their card, ladders keep their
 * size and scroll) and a 1400 px desktop; a scan of 200 captures loads and filters. Screenshots go
 * to test-artifacts/html/.
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import { MAX_HTML_FINDINGS, formatHtml, formatScanHtml } from '../../src/report/html.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { findingFilter } from '../../src/rules/filter.js';
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

  it('the endpoint filter also matches error codes, as --code does', async () => {
    const report = await analyzeCapture(join(FIXTURES, 'kernel/mix.pcap'), { conversations: true });
    const { page, problems } = await loadReport(light.context, formatHtml(report));
    try {
      const visible = page.locator('article.finding:visible');
      for (const code of ['10061', 'ECONNREFUSED', 'WSAECONNREFUSED', '111', 'econnreset', 'ETIMEDOUT']) {
        // None of these appears in an address or port of the capture, so only codes can match.
        expect(report.findings.some((f) => `${f.client.address}:${f.client.port} ${f.server.address}:${f.server.port}`.includes(code.toLowerCase()))).toBe(false);
        const expected = report.findings.filter(findingFilter({ codes: [code] })!).length;
        await page.fill('#endpoint-filter', code);
        expect(await visible.count(), code).toBe(expected);
      }
      // A part of a number is not a code: 61 (macOS ECONNREFUSED) does not match 10061 alone.
      await page.fill('#endpoint-filter', '10061');
      expect(await visible.count()).toBe(1);
      await page.fill('#endpoint-filter', '1006');
      expect(await visible.count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** What the browser laid out, from `LAYOUT` run in the page. */
interface Layout {
  page: number;
  viewport: number;
  ladderLabelPx: number[];
  laddersScroll: boolean[];
  overflowing: string[];
}

/**
 * Page width and what each ladder and scroll region does, as the browser lays them out; anything
 * wider than the viewport must sit inside a scroll region. (A string: the project's types have
 * no DOM.)
 */
const LAYOUT = `(() => {
  const viewport = document.documentElement.clientWidth;
  const overflowing = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('.scroll')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > viewport + 0.5 && overflowing.length < 5) overflowing.push(el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '') + ' right=' + Math.round(r.right));
  }
  return {
    page: document.documentElement.scrollWidth,
    viewport,
    ladderLabelPx: Array.from(document.querySelectorAll('.ladder-svg .pkt .label'), (e) => e.getBoundingClientRect().height),
    laddersScroll: Array.from(document.querySelectorAll('.ladder-scroll'), (e) => e.scrollWidth > e.clientWidth),
    overflowing,
  };
})()`;

async function layout(page: import('playwright-core').Page): Promise<Layout> {
  return (await page.evaluate(LAYOUT)) as Layout;
}

describe.skipIf(!RUN)('the HTML report on a phone (390 px) and a desktop (1400 px)', () => {
  for (const width of [390, 1400]) {
    it(`${width} px: the page does not scroll sideways, ladders keep a readable size`, async () => {
      const browser = await launchChromium({ width, height: 900 });
      try {
        const single = await analyzeCapture(join(FIXTURES, 'kernel/mix.pcap'), { name: 'fixtures/kernel/mix.pcap', conversations: true });
        const scan = formatScanHtml({
          reports: await Promise.all(KERNEL.slice(0, 3).map((c) => analyzeCapture(c, { name: `a/folder/with/a/rather/long/path/to/${basename(c)}`, conversations: true }))),
          failures: [{ file: 'broken/capture-with-a-long-name-and-no-spaces-at-all.pcap', error: 'not a capture file' }],
        });
        for (const [name, html] of [['mix', formatHtml(single)], ['scan', scan]] as const) {
          const { page, problems } = await loadReport(browser.context, html);
          try {
            const l = await layout(page);
            expect(l.viewport).toBe(width);
            expect(l.overflowing, name).toEqual([]);
            expect(l.page, `${name}: page width`).toBeLessThanOrEqual(l.viewport);
            expect(l.ladderLabelPx.length).toBeGreaterThan(0);
            // 12 px labels drawn at their size, never shrunk to fit the screen.
            expect(Math.min(...l.ladderLabelPx), name).toBeGreaterThanOrEqual(12);
            // A ladder is 600 px wide: on the phone it scrolls in its card, on the desktop it fits.
            expect(l.laddersScroll.every((s) => s === width < 600), name).toBe(true);
            expect(problems).toEqual([]);
            await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
          } finally {
            await page.close();
          }
        }
      } finally {
        await browser.close();
      }
    });
  }

  it('a scan of 200 captures loads and filters by code and by rule on a phone', async () => {
    const base = await Promise.all(KERNEL.map((c) => analyzeCapture(c, { conversations: true })));
    const reports: AnalysisReport[] = Array.from({ length: 200 }, (_, i) => {
      const r = base[i % base.length]!;
      return { ...r, capture: { ...r.capture, file: `captures/site-${Math.floor(i / 20)}/host-${i}.pcap` } };
    });
    const html = formatScanHtml({ reports, failures: [] });
    const browser = await launchChromium({ width: 390, height: 844 });
    try {
      const started = performance.now();
      const { page, problems, requests } = await loadReport(browser.context, html);
      const loadMs = performance.now() - started;
      try {
        expect(problems).toEqual([]);
        expect(requests).toEqual([]);
        expect(await page.locator('section.file-section').count()).toBe(200);
        const all = reports.reduce((n, r) => n + Math.min(r.findings.length, MAX_HTML_FINDINGS), 0);
        const shown = (f: AnalysisReport['findings'][number]) => findingFilter({ codes: ['ECONNREFUSED'] })!(f);
        const expected = reports.reduce((n, r) => n + r.findings.slice(0, MAX_HTML_FINDINGS).filter(shown).length, 0);
        expect(expected).toBeGreaterThan(0);
        expect(expected).toBeLessThan(all);
        // Time the filter inside the page: from the input event to the finished layout.
        const filterMs = (await page.evaluate(`(() => {
          const input = document.getElementById('endpoint-filter');
          const t0 = performance.now();
          input.value = 'ECONNREFUSED';
          input.dispatchEvent(new Event('input'));
          void document.body.offsetHeight;
          return performance.now() - t0;
        })()`)) as number;
        expect(await page.locator('article.finding:visible').count()).toBe(expected);
        expect(await page.locator('#filter-status').innerText()).toBe(`Showing ${expected} of ${all} findings`);
        await page.fill('#endpoint-filter', '');
        await page.selectOption('#rule-filter', 'connect-timeout');
        const timeouts = reports.reduce((n, r) => n + r.findings.slice(0, MAX_HTML_FINDINGS).filter((f) => f.rule === 'connect-timeout').length, 0);
        expect(await page.locator('article.finding:visible').count()).toBe(timeouts);
        expect((await layout(page)).page).toBeLessThanOrEqual(390);
        // The page's own timing: from the request to the end of its load event (parse, script,
        // first layout), without the test harness's round trips.
        const pageMs = (await page.evaluate(`(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; })()`)) as number;
        // Measured, never asserted: the numbers go in the test's output (see README).
        console.log(`scan page of 200 captures: ${(html.length / 1e6).toFixed(1)} MB, ${all} findings; page loaded in ${pageMs.toFixed(0)} ms (${loadMs.toFixed(0)} ms with the harness), filtered by code in ${filterMs.toFixed(0)} ms (chromium, 390 px)`);
      } finally {
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
