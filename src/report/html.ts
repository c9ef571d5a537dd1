/**
 * `--format html`: one self-contained page to attach to a ticket. Inline CSS, JS and SVG only;
 * a Content-Security-Policy that allows exactly the page's own style and script (by hash) and
 * no network at all. Every string that can come from a capture (file names, DNS names,
 * summaries, details, addresses) is escaped with `safeText`.
 *
 * `formatHtml` renders one analysis; `formatScanHtml` renders a scan: one section per capture
 * and the captures that could not be read.
 */
import { createHash } from 'node:crypto';
import { OS_ORDER } from '../rules/codes.js';
import { endpointLabel, hostPort, humanDuration, plural } from '../model/words.js';
import { RULES, ruleById } from '../rules/index.js';
import { codeNumber, SEVERITIES, type ErrorCode, type Finding, type OsName, type Severity } from '../rules/types.js';
import { VERSION } from '../version.js';
import { REPORT_CSS, REPORT_JS, RULE_COLOUR_COUNT } from './html-assets.js';
import { buildLadder, formatOffset, ladderSvg, packetLabel, LADDER_SVG_ROWS } from './ladder.js';
import { escapeHtml, safeText } from './markup.js';
import type { AnalysisReport, TimelineSpan } from './types.js';

/** Finding cards per report before "N more findings not shown". */
export const MAX_HTML_FINDINGS = 1000;
/** Timeline rows; beyond them conversations share rows. */
const MAX_TIMELINE_LANES = 28;

/** A capture a scan could not read. */
export interface ScanHtmlFailure {
  /** The file as the scan names it. */
  file: string;
  /** Why it could not be read (one line). */
  error: string;
}

/** What `formatScanHtml` renders. */
export interface ScanHtmlInput {
  /** One report per capture read, in the order to show them. */
  reports: readonly AnalysisReport[];
  /** Captures that could not be read, with their errors. */
  failures: readonly ScanHtmlFailure[];
  /** Page heading; default "wirewhy scan". */
  title?: string;
}

const OS_LABELS: Readonly<Record<OsName, string>> = { windows: 'Windows', linux: 'Linux', macos: 'macOS' };

/** `rc-N` by the rule's place in RULES, so a rule has the same colour in every report. */
function ruleClass(rule: string): string {
  const i = RULES.findIndex((r) => r.meta.id === rule);
  return i >= 0 ? `rc-${i % RULE_COLOUR_COUNT}` : 'rc-x';
}

function ruleOrder(rules: Iterable<string>): string[] {
  const index = (id: string): number => {
    const i = RULES.findIndex((r) => r.meta.id === id);
    return i >= 0 ? i : RULES.length;
  };
  return [...new Set(rules)].sort((a, b) => index(a) - index(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** What the endpoint filter searches: both endpoints as "addr", "addr:port", "[v6]:port", and the service. */
function endpointKeys(client: { address: string; port: number }, server: { address: string; port: number }, service?: string): string {
  const keys = [client.address, endpointLabel(client), server.address, endpointLabel(server)];
  if (service) keys.push(service);
  return keys.join(' ').toLowerCase();
}

/**
 * The words the page's filter matches a finding's codes by, as `--code` does: each number and
 * each name, lower case ("10061 wsaeconnrefused 111 econnrefused").
 */
function codeKeys(codes: readonly ErrorCode[]): string {
  // A Windows HRESULT also as Windows prints it (0x80090326), as --code takes it.
  return [...new Set(codes.flatMap((c) => [String(c.code), codeNumber(c).toLowerCase(), c.name.toLowerCase()]))].join(' ');
}

/**
 * A table or drawing wider than a phone's screen scrolls inside its card, never the page; the
 * region is focusable so that it scrolls from the keyboard too.
 */
function scrolling(inner: string, label: string, extraClass = ''): string {
  return `<div class="scroll${extraClass ? ` ${extraClass}` : ''}" role="region" tabindex="0" aria-label="${safeText(label)}">${inner}</div>`;
}

function durationBetween(start: string | null, end: string | null): number | null {
  if (start === null || end === null) return null;
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return null;
  return (b - a) / 1000;
}

function hashOf(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

/** The whole page around `main` (already escaped markup). */
function page(title: string, heading: string, subtitle: string, rules: readonly string[], findings: number, main: string): string {
  const [head, tail] = pageAround(title, heading, subtitle, rules, findings);
  return head + main + tail;
}

/** The page before and after its `main` content. */
function pageAround(title: string, heading: string, subtitle: string, rules: readonly string[], findings: number): [string, string] {
  const csp = [`default-src 'none'`, `style-src ${hashOf(REPORT_CSS)}`, `script-src ${hashOf(REPORT_JS)}`, `base-uri 'none'`, `form-action 'none'`].join('; ');
  const options = rules.map((r) => `<option value="${safeText(r)}">${safeText(r)}</option>`).join('');
  const before = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${safeText(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    `<header class="page"><h1><span class="tool">wirewhy</span> ${safeText(heading)}</h1><p class="subtitle">${subtitle}</p></header>`,
    '<main>',
    '<section class="panel" aria-label="Filters">',
    '<div class="toolbar">',
    `<label for="rule-filter">Rule<select id="rule-filter"><option value="">All rules</option>${options}</select></label>`,
    '<label for="endpoint-filter">Endpoint or error code<input type="search" id="endpoint-filter" placeholder="10.0.0.2, :443, DNS, 10061, ECONNREFUSED" autocomplete="off" spellcheck="false"></label>',
    '<button type="button" id="clear-filters">Clear filters</button>',
    `<p class="status" id="filter-status" role="status" aria-live="polite">${plural(findings, 'finding')}</p>`,
    '</div>',
    '</section>',
  ];
  const after = [
    '</main>',
    `<footer><p>Made by wirewhy ${escapeHtml(VERSION)}. This page is self-contained: it loads nothing from the network.</p></footer>`,
    `<script>${REPORT_JS}</script>`,
    '</body>',
    '</html>',
    '',
  ];
  return [`${before.join('\n')}\n`, `\n${after.join('\n')}`];
}

/** Heading markup at `level` (2-6). */
function h(level: number, id: string, inner: string): string {
  const n = Math.min(6, Math.max(2, level));
  return `<h${n} id="${escapeHtml(id)}">${inner}</h${n}>`;
}

function captureFacts(report: AnalysisReport, prefix: string, level: number): string {
  const cap = report.capture;
  const s = report.summary;
  const rows: Array<[string, string]> = [];
  rows.push(['File', safeText(cap.file)]);
  rows.push(['Format', `${safeText(cap.format)}${cap.compression ? `, ${safeText(cap.compression)}` : ''}`]);
  rows.push(['Link types', cap.linkTypes.length > 0 ? safeText(cap.linkTypes.join(', ')) : 'none']);
  rows.push(['Packets', `${cap.packets} (${plural(cap.bytes, 'byte')})`]);
  if (cap.start !== null && cap.end !== null) {
    const span = durationBetween(cap.start, cap.end);
    rows.push(['Time span', `${safeText(cap.start)} → ${safeText(cap.end)}${span !== null ? ` (${escapeHtml(humanDuration(span))})` : ''}`]);
  } else {
    rows.push(['Time span', 'no packets']);
  }
  rows.push(['Flows', `${plural(s.tcpConversations, 'TCP conversation')}, ${plural(s.udpExchanges, 'UDP exchange')}`]);
  rows.push(['Failed', `${plural(s.findings, 'finding')}${report.filtered ? `, ${report.filtered.shown} shown (the others do not match the filters)` : ''}`]);
  if (cap.warnings.length > 0) {
    const items = cap.warnings.map((w) => {
      const where: string[] = [];
      if (w.offset !== undefined) where.push(`offset ${w.offset}`);
      if (w.frame !== undefined) where.push(`frame ${w.frame}`);
      return `<li><code>${safeText(w.code)}</code>: ${safeText(w.message)}${where.length > 0 ? ` (${where.join(', ')})` : ''}</li>`;
    });
    rows.push(['Warnings', `<ul>${items.join('')}</ul>`]);
  }
  const anomalies = Object.entries(cap.anomalies);
  if (anomalies.length > 0) {
    rows.push(['Anomalies', anomalies.map(([name, n]) => `<code>${safeText(name)}</code> ×${n}`).join(', ')]);
  }
  const dl = rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('');
  return `<section class="panel" aria-labelledby="${prefix}-capture">${h(level, `${prefix}-capture`, 'Capture')}<dl class="facts">${dl}</dl></section>`;
}

function highestSeverity(findings: readonly Finding[]): Severity | null {
  let best: Severity | null = null;
  for (const f of findings) if (best === null || SEVERITIES.indexOf(f.severity) > SEVERITIES.indexOf(best)) best = f.severity;
  return best;
}

function codeText(codes: readonly ErrorCode[], os: OsName): string {
  const c = codes.find((x) => x.os === os);
  return c ? `<code>${codeNumber(c)} ${safeText(c.name)}</code>` : '<span class="muted">-</span>';
}

function ruleSummary(report: AnalysisReport, prefix: string, level: number): string {
  const counts = report.summary.byRule;
  const rules = ruleOrder(Object.keys(counts));
  const title = h(level, `${prefix}-rules`, 'Failures by rule');
  if (rules.length === 0) {
    const s = report.summary;
    const skipped = report.capture.notAnalysed;
    const notAnalysed = skipped ? `<p>Not analysed: ${escapeHtml(Object.entries(skipped).map(([kind, n]) => `${n} ${kind}`).join(', '))}.</p>` : '';
    return `<section class="panel" aria-labelledby="${prefix}-rules">${title}<p>No failed connections found in ${plural(s.tcpConversations, 'TCP conversation')} and ${plural(s.udpExchanges, 'UDP exchange')}.</p>${notAnalysed}</section>`;
  }
  const rows = rules.map((rule) => {
    const mine = report.findings.filter((f) => f.rule === rule);
    // With filters, the findings of the rule shown here of all it found.
    const count = report.filtered ? `${mine.length} of ${counts[rule] ?? 0}` : `${counts[rule] ?? 0}`;
    const sev = highestSeverity(mine);
    const codes = mine[0]?.codes ?? ruleById(rule)?.meta.codes ?? [];
    const description = ruleById(rule)?.meta.description ?? '';
    return (
      `<tr><td><span class="badge ${ruleClass(rule)}">${safeText(rule)}</span></td>` +
      `<td>${sev ? `<span class="sev sev-${sev}">${sev}</span>` : ''}</td>` +
      `<td class="num" data-label="Findings">${count}</td>` +
      `<td data-label="Windows">${codeText(codes, 'windows')}</td><td data-label="Linux">${codeText(codes, 'linux')}</td>` +
      `<td class="meaning">${safeText(description)}</td>` +
      `<td><button type="button" data-show-rule="${safeText(rule)}" aria-label="Show only ${safeText(rule)} findings">Show only</button></td></tr>`
    );
  });
  return (
    `<section class="panel" aria-labelledby="${prefix}-rules">${title}` +
    scrolling(
      '<table class="rules"><thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Findings</th><th scope="col">Windows</th><th scope="col">Linux</th><th scope="col">What it means</th><th scope="col"><span class="muted">Filter</span></th></tr></thead>' +
        `<tbody>${rows.join('')}</tbody></table>`,
      'Rules found',
    ) +
    '</section>'
  );
}

/** A round step for about `target` ticks over `span` seconds. */
function tickStep(span: number, target = 8): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function axisLabel(t: number, step: number): string {
  if (step < 1 && t < 1) return `${Math.round(t * 1000)} ms`;
  if (step < 60) return `${Number(t.toFixed(step < 1 ? 3 : 0))} s`;
  return `${Number((t / 60).toFixed(1))} min`;
}

/** Spans from findings alone, when the report carries no conversation list. */
function spansFromFindings(report: AnalysisReport): TimelineSpan[] {
  const origin = report.capture.start === null ? NaN : Date.parse(report.capture.start);
  const spans: TimelineSpan[] = [];
  for (const f of report.findings) {
    const a = Date.parse(f.start);
    const b = Date.parse(f.end);
    if (!Number.isFinite(origin) || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    spans.push({ protocol: f.protocol, stream: f.stream, client: f.client, server: f.server, start: (a - origin) / 1000, end: Math.max(a, b) / 1000 - origin / 1000, packets: f.frames.length, rule: f.rule });
  }
  return spans;
}

function timeline(report: AnalysisReport, prefix: string, level: number, findingIds: ReadonlyMap<string, string>): string {
  const title = h(level, `${prefix}-timeline`, 'Timeline');
  const listed = report.conversations;
  const spans = listed ? listed.spans : spansFromFindings(report);
  const open = `<section class="panel" aria-labelledby="${prefix}-timeline">${title}`;
  if (spans.length === 0) return `${open}<p class="muted">No conversations to draw.</p></section>`;

  const captureSpan = durationBetween(report.capture.start, report.capture.end) ?? 0;
  const total = Math.max(captureSpan, ...spans.map((s) => s.end), 1e-6);
  const width = 1000;
  const left = 24;
  const right = 28;
  const plot = width - left - right;
  const x = (t: number): number => left + (Math.max(0, t) / total) * plot;
  const minGap = total * 0.004;

  // Greedy lane packing in start order; beyond MAX_TIMELINE_LANES, the lane that frees first is shared.
  const order = spans.map((_, i) => i).sort((a, b) => spans[a]!.start - spans[b]!.start);
  const laneEnds: number[] = [];
  const laneOf = new Array<number>(spans.length).fill(0);
  let shared = false;
  // Few conversations: one row each, in start order. Many: packed.
  const packed = spans.length > MAX_TIMELINE_LANES;
  for (const i of order) {
    const s = spans[i]!;
    if (!packed) {
      laneOf[i] = laneEnds.push(s.end) - 1;
      continue;
    }
    let lane = laneEnds.findIndex((end) => end + minGap < s.start);
    if (lane < 0 && laneEnds.length < MAX_TIMELINE_LANES) lane = laneEnds.push(-Infinity) - 1;
    if (lane < 0) {
      shared = true;
      lane = laneEnds.indexOf(Math.min(...laneEnds));
    }
    laneEnds[lane] = Math.max(laneEnds[lane]!, s.end);
    laneOf[i] = lane;
  }
  const laneHeight = 12;
  const laneGap = 4;
  const top = 8;
  const plotBottom = top + laneEnds.length * (laneHeight + laneGap);
  const height = plotBottom + 30;

  const bar = (s: TimelineSpan, i: number): string => {
    const y = top + laneOf[i]! * (laneHeight + laneGap);
    const x1 = x(s.start);
    const w = Math.max(3, x(s.end) - x1);
    const who = `${endpointLabel(s.client)} → ${endpointLabel(s.server)}`;
    const tip = `${s.protocol}.stream ${s.stream}: ${who}, ${formatOffset(s.start)} to ${formatOffset(s.end)}, ${plural(s.packets, 'packet')}${s.rule ? `, ${s.rule}` : ''}`;
    const attrs = `data-rule="${s.rule ? safeText(s.rule) : ''}" data-endpoints="${safeText(endpointKeys(s.client, s.server))}"`;
    const rect = `<rect x="${x1.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${laneHeight}" rx="2"/>`;
    if (!s.rule) return `<g class="span" ${attrs}><title>${safeText(tip)}</title>${rect}</g>`;
    const target = findingIds.get(`${s.protocol}:${s.stream}`);
    const g = `<g class="span failed ${ruleClass(s.rule)}" ${attrs}><title>${safeText(tip)}</title>${rect}</g>`;
    return target ? `<a href="#${escapeHtml(target)}" aria-label="${safeText(`${s.rule}: ${who}`)}">${g}</a>` : g;
  };
  const healthy: string[] = [];
  const failed: string[] = [];
  spans.forEach((s, i) => (s.rule ? failed : healthy).push(bar(s, i)));

  const step = tickStep(total);
  const ticks: string[] = [];
  for (let t = 0; t <= total + step * 1e-9; t += step) {
    const tx = x(t).toFixed(1);
    ticks.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${plotBottom + 2}"/><text x="${tx}" y="${plotBottom + 16}" text-anchor="middle">${escapeHtml(axisLabel(t, step))}</text>`);
  }
  const failedCount = spans.filter((s) => s.rule).length;
  const description = `${plural(spans.length, 'conversation')} over ${humanDuration(total)} of capture time; ${failedCount} failed, coloured by rule.`;
  const svg =
    `<svg class="timeline-svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${prefix}-tl-title ${prefix}-tl-desc">` +
    `<title id="${prefix}-tl-title">Conversations over the capture's time</title><desc id="${prefix}-tl-desc">${escapeHtml(description)}</desc>` +
    `<g class="axis">${ticks.join('')}</g>${healthy.join('')}${failed.join('')}</svg>`;

  const rules = ruleOrder(spans.flatMap((s) => (s.rule ? [s.rule] : [])));
  const legend = [
    `<li><span class="swatch ok"></span>healthy</li>`,
    ...rules.map((r) => `<li><span class="swatch ${ruleClass(r)}"></span>${safeText(r)}</li>`),
  ].join('');
  const notes: string[] = [`Seconds since the first packet; ${escapeHtml(description)}`];
  if (!listed) notes.push('Only failed conversations are drawn: this report carries no list of healthy ones.');
  if (listed && listed.omitted > 0) notes.push(`${plural(listed.omitted, 'more conversation')} not drawn (the list is capped).`);
  if (shared) notes.push(`More than ${MAX_TIMELINE_LANES} conversations overlap: rows are shared.`);
  return `${open}<figure>${scrolling(svg, 'Timeline', 'timeline-scroll')}<figcaption>${notes.join(' ')}</figcaption></figure><ul class="legend" aria-label="Legend">${legend}</ul></section>`;
}

function detailValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function elidedFrames(frames: readonly number[]): string {
  if (frames.length <= 12) return frames.join(', ');
  return `${frames.slice(0, 6).join(', ')} … ${frames.slice(-3).join(', ')} (${frames.length} frames)`;
}

function evidenceTable(f: Finding): string {
  const evidence = f.evidence ?? [];
  if (evidence.length === 0) return '';
  const who = (side: string, reporter?: string): string => (side === 'other' ? `router ${safeText(reporter ?? '')}` : side);
  const rows = evidence.map(
    (p) =>
      `<tr><td class="num">${p.frame}</td><td class="num mono">${escapeHtml(formatOffset(p.offset))}</td><td>${who(p.from, p.icmp?.reporter)} → ${p.to}</td>` +
      `<td>${safeText(packetLabel(p))}</td><td>${p.retransmission ? 'retransmission' : ''}</td></tr>`,
  );
  return (
    `<details><summary>Packets as a table (${evidence.length})</summary>` +
    scrolling(
      '<table><thead><tr><th scope="col">Frame</th><th scope="col">Time</th><th scope="col">Direction</th><th scope="col">Packet</th><th scope="col">Note</th></tr></thead>' + `<tbody>${rows.join('')}</tbody></table>`,
      'Evidence packets',
    ) +
    '</details>'
  );
}

/** A titled line of code with a copy button (the page's script copies the element named by data-copy). */
function copyRow(id: string, titleHtml: string, text: string, label: string): string {
  return (
    `<p><strong>${titleHtml}</strong></p>` +
    `<div class="filter-row"><code id="${escapeHtml(id)}">${safeText(text)}</code>` +
    `<button type="button" data-copy="${escapeHtml(id)}" aria-label="${safeText(label)}">Copy</button></div>` +
    `<p class="copy-status" id="${escapeHtml(id)}-status" role="status" aria-live="polite"></p>`
  );
}

function findingCard(f: Finding, id: string, level: number): string {
  const rc = ruleClass(f.rule);
  const who = `${endpointLabel(f.client)} → ${endpointLabel(f.server)}`;
  const meta = ruleById(f.rule)?.meta;
  const codes = OS_ORDER.flatMap((os) =>
    f.codes.filter((c) => c.os === os).map((c) => `<tr><td>${OS_LABELS[os]}</td><td><code>${codeNumber(c)} ${safeText(c.name)}</code></td><td>${safeText(c.message)}</td></tr>`),
  );
  const ladder = buildLadder(f, LADDER_SVG_ROWS);
  const caption =
    `${plural(ladder.packets, 'evidence packet')}${ladder.unrecorded > 0 ? ` (${ladder.unrecorded} more from the middle of a long conversation not drawn)` : ''}. ` +
    'Time runs down: spacing is linear below 0.25 s and logarithmic above, and gaps of 50 ms or more are labelled.';
  const causes = meta && meta.causes.length > 0 ? `<p><strong>Likely causes</strong></p><ul>${meta.causes.map((c) => `<li>${safeText(c)}</li>`).join('')}</ul>` : '';
  const checks = meta && meta.checks.length > 0 ? `<p><strong>What to check</strong></p><ol>${meta.checks.map((c) => `<li>${safeText(c)}</li>`).join('')}</ol>` : '';
  const details = Object.entries(f.details);
  const filterId = `${id}-filter`;
  return [
    `<article class="finding ${rc}" id="${escapeHtml(id)}" data-rule="${safeText(f.rule)}" data-endpoints="${safeText(endpointKeys(f.client, f.server, f.service))}" data-codes="${safeText(codeKeys(f.codes))}" aria-labelledby="${escapeHtml(id)}-h">`,
    `<div class="finding-head">${h(level, `${id}-h`, `<span class="badge ${rc}">${safeText(f.rule)}</span> <span class="who">${safeText(who)}</span>`)}`,
    `<span class="sev sev-${f.severity}">${f.severity}</span>`,
    f.service ? `<span class="service">${safeText(f.service)}</span>` : '',
    `<span class="stream">${f.protocol}.stream ${f.stream}</span></div>`,
    `<p class="summary">${safeText(f.summary)}</p>`,
    '<div class="finding-body">',
    `<figure>${scrolling(ladderSvg(f, `${id}-ladder`), 'Ladder diagram', 'ladder-scroll')}<figcaption>${escapeHtml(caption)}</figcaption></figure>`,
    '<div>',
    codes.length > 0 ? `<table class="codes"><caption class="muted">${safeText(seenByLabel(f))}</caption><tbody>${codes.join('')}</tbody></table>` : '',
    f.streamFilter !== undefined ? copyRow(`${id}-stream`, 'Wireshark display filter', f.streamFilter, `Copy the Wireshark display filter of ${who}`) : '',
    copyRow(filterId, 'Address filter <span class="muted">(also on a cut of the capture)</span>', f.filter, `Copy the address filter of ${who}`),
    f.wireshark ? copyRow(`${id}-open`, 'Open in Wireshark', f.wireshark, `Copy the command that opens ${who} in Wireshark`) : '',
    f.communityId !== undefined ? `<p>Community ID: <span class="mono">${safeText(f.communityId)}</span></p>` : '',
    `<p>Frames: <span class="mono">${elidedFrames(f.frames)}</span><br>Time: <span class="mono">${safeText(f.start)}</span> → <span class="mono">${safeText(f.end)}</span></p>`,
    causes || checks ? `<details><summary>Likely causes and what to check</summary>${causes}${checks}</details>` : '',
    evidenceTable(f),
    details.length > 0
      ? `<details><summary>Details</summary><dl class="facts">${details.map(([k, v]) => `<dt>${safeText(k)}</dt><dd class="mono">${safeText(detailValue(v))}</dd>`).join('')}</dl></details>`
      : '',
    '</div>',
    '</div>',
    '</article>',
  ].join('');
}

/**
 * One report's sections, written a finding card at a time (a section of a thousand cards is
 * megabytes); `prefix` keeps ids unique when a page holds several reports.
 */
function writeReportSections(report: AnalysisReport, prefix: string, level: number, write: (chunk: string) => unknown): void {
  const shown = report.findings.slice(0, MAX_HTML_FINDINGS);
  const ids = new Map<string, string>();
  shown.forEach((f, i) => {
    const key = `${f.protocol}:${f.stream}`;
    if (!ids.has(key)) ids.set(key, `${prefix}-f${i + 1}`);
  });
  write(`${[captureFacts(report, prefix, level), ruleSummary(report, prefix, level), timeline(report, prefix, level, ids)].join('\n')}\n`);
  if (shown.length === 0) return;
  const notShown = (report.filtered?.shown ?? report.summary.findings) - shown.length;
  const findingsTitle = h(level, `${prefix}-findings`, 'Findings');
  write(`<section aria-labelledby="${prefix}-findings">${findingsTitle}<p class="no-match muted" hidden>No findings here match the filters.</p>`);
  shown.forEach((f, i) => write(`${i > 0 ? '\n' : ''}${findingCard(f, `${prefix}-f${i + 1}`, level + 1)}`));
  write((notShown > 0 ? `<p class="muted">${plural(notShown, 'more finding')} not shown; use --format json or jsonl for every finding.</p>` : '') + '</section>');
}

/** What `write` calls it with, as one string. */
function collect(writeAll: (write: (chunk: string) => unknown) => void): string {
  const pieces: string[] = [];
  writeAll((s) => pieces.push(s));
  return pieces.join('');
}

function subtitleOf(captures: ReadonlyArray<Pick<AnalysisReport, 'capture' | 'summary'>>, failures: number): string {
  const findings = captures.reduce((n, r) => n + r.summary.findings, 0);
  const packets = captures.reduce((n, r) => n + r.capture.packets, 0);
  const parts = [plural(findings, 'failed connection'), plural(packets, 'packet')];
  if (captures.length !== 1 || failures > 0) parts.unshift(plural(captures.length, 'capture'));
  if (failures > 0) parts.push(`${plural(failures, 'unreadable capture')}`);
  return escapeHtml(parts.join(' · '));
}

/** The HTML report of one analysis: a complete, self-contained page. */
export function formatHtml(report: AnalysisReport): string {
  const rules = ruleOrder(report.findings.map((f) => f.rule));
  const main = `<div class="report" id="r1">${collect((write) => writeReportSections(report, 'r1', 2, write))}</div>`;
  const subtitle = `${safeText(report.capture.file)} · ${subtitleOf([report], 0)}`;
  return page(`wirewhy report: ${report.capture.file}`, 'report', subtitle, rules, scanHtmlCapture(report).shown, main);
}

/** What the scan page needs of a capture besides its section: the filters' rules and the cards shown. */
export interface ScanHtmlCounts {
  /** Rules of the capture's findings (for the rule filter). */
  rules: string[];
  /** Finding cards the section shows. */
  shown: number;
}

/** The rules and cards of a capture's section. */
export function scanHtmlCapture(report: AnalysisReport): ScanHtmlCounts {
  return { rules: ruleOrder(report.findings.map((f) => f.rule)), shown: Math.min(report.findings.length, MAX_HTML_FINDINGS) };
}

/**
 * Write the section of one capture on the scan page, a finding card at a time; `prefix` (`s1`,
 * `s2`, …) keeps its ids unique.
 */
export function writeScanHtmlSection(report: AnalysisReport, prefix: string, write: (chunk: string) => unknown): void {
  write(`<section class="report file-section" id="${prefix}" aria-labelledby="${prefix}-h"><h2 id="${prefix}-h">${safeText(report.capture.file)}</h2>`);
  writeReportSections(report, prefix, 3, write);
  write('</section>');
}

/** A capture on the scan page: its facts (findings need not be there) and its section's counts. */
export interface ScanHtmlCapture extends ScanHtmlCounts {
  report: Pick<AnalysisReport, 'capture' | 'summary' | 'filtered'>;
}

/**
 * Write the HTML report of a scan: the overview and the unreadable captures, then one section
 * per capture, each written by `writeSection(index, prefix)` ({@link writeScanHtmlSection}, which a
 * scan worker may have made and kept on disk), so no two sections need be in memory together.
 */
export function writeScanHtml(
  scan: { captures: readonly ScanHtmlCapture[]; failures: readonly ScanHtmlFailure[]; title?: string; filtered?: string },
  writeSection: (index: number, prefix: string) => void,
  write: (chunk: string) => unknown,
): void {
  const { captures, failures } = scan;
  const reports = captures.map((c) => c.report);
  const rules = ruleOrder(captures.flatMap((c) => c.rules));
  const shown = captures.reduce((n, c) => n + c.shown, 0);
  const title = scan.title ?? 'scan';
  const [head, tail] = pageAround(`wirewhy ${title}`, title, subtitleOf(reports, failures.length), rules, shown);
  write(head);
  const overview = reports.map((r, i) => {
    const s = r.summary;
    const byRule = ruleOrder(Object.keys(s.byRule))
      .map((rule) => `<span class="badge ${ruleClass(rule)}">${safeText(rule)} ${s.byRule[rule]}</span>`)
      .join(' ');
    const findings = r.filtered ? `${r.filtered.shown} of ${s.findings}` : `${s.findings}`;
    return `<tr><td><a href="#s${i + 1}">${safeText(r.capture.file)}</a></td><td class="num">${r.capture.packets}</td><td class="num">${findings}</td><td>${byRule || '<span class="muted">none</span>'}</td></tr>`;
  });
  // With filters: what they let through; the badges by rule count every finding, as the summary does.
  const filtered = scan.filtered ? `<p>${safeText(scan.filtered)}; By rule counts every finding.</p>` : '';
  write(
    '<section class="panel" aria-labelledby="scan-overview"><h2 id="scan-overview">Captures</h2>' +
      filtered +
      (reports.length > 0
        ? scrolling(`<table><thead><tr><th scope="col">File</th><th scope="col">Packets</th><th scope="col">Findings</th><th scope="col">By rule</th></tr></thead><tbody>${overview.join('')}</tbody></table>`, 'Captures')
        : '<p>No capture could be read.</p>') +
      '</section>',
  );
  if (failures.length > 0) {
    const rows = failures.map((f) => `<tr><td class="mono">${safeText(f.file)}</td><td>${safeText(f.error)}</td></tr>`).join('');
    write(
      `\n<section class="panel errors" aria-labelledby="scan-errors"><h2 id="scan-errors">Unreadable captures (${failures.length})</h2>` +
        `${scrolling(`<table><thead><tr><th scope="col">File</th><th scope="col">Error</th></tr></thead><tbody>${rows}</tbody></table>`, 'Unreadable captures')}</section>`,
    );
  }
  captures.forEach((_, i) => {
    write('\n');
    writeSection(i, `s${i + 1}`);
  });
  write(tail);
}

/**
 * The HTML report of a scan: an overview, one section per capture read (with its facts,
 * rule summary, timeline and findings), and the captures that could not be read with their
 * errors. A complete, self-contained page.
 */
export function formatScanHtml(scan: ScanHtmlInput): string {
  const captures = scan.reports.map((report) => ({ report, ...scanHtmlCapture(report) }));
  return collect((write) => writeScanHtml({ captures, failures: scan.failures, title: scan.title }, (i, prefix) => writeScanHtmlSection(scan.reports[i]!, prefix, write), write));
}

/** "Seen by the client 10.0.0.5:40001": whose application sees the finding's codes. */
function seenByLabel(f: Finding): string {
  const s = f.seenBy;
  return s ? `Seen by the ${s.side} ${hostPort(s)}` : 'What the application sees';
}
