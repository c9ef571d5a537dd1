/**
 * The stylesheet and script inlined in every HTML report. Both are constants: nothing from a
 * capture ever enters them, so the page's Content-Security-Policy can allow exactly these two
 * by hash and nothing else (no network, no other inline script).
 */

/**
 * Rule colours: `.rc-N` for the rule at place N of RULES (modulo the palette); `.rc-x` for any
 * other rule. Neighbours in root-cause order get hues far apart.
 */
const RULE_COLOURS_LIGHT = ['#c2410c', '#a21caf', '#4338ca', '#0f766e', '#a16207', '#4d7c0f', '#be123c', '#7c2d12', '#6d28d9', '#0369a1'];
const RULE_COLOURS_DARK = ['#fb923c', '#f0abfc', '#a5b4fc', '#5eead4', '#facc15', '#bef264', '#fda4af', '#e7b98f', '#c4b5fd', '#7dd3fc'];

/** How many rule colours there are. */
export const RULE_COLOUR_COUNT = RULE_COLOURS_LIGHT.length;

function ruleColourRules(colours: readonly string[]): string {
  return colours.map((c, i) => `.rc-${i}{--rc:${c}}`).join('\n');
}

/** The report's stylesheet (light and dark via prefers-color-scheme). */
export const REPORT_CSS = `
:root{color-scheme:light dark;--bg:#f8fafc;--panel:#ffffff;--fg:#0f172a;--muted:#475569;--line:#cbd5e1;--soft:#e2e8f0;
--accent:#1d4ed8;--focus:#2563eb;--ok:#94a3b8;--err:#b91c1c;--warn:#a16207;--info:#0369a1;--syn:#1e40af;--synack:#15803d;
--rst:#dc2626;--icmp:#c2410c;--data:#334155;--retrans:#b45309;--code-bg:#f1f5f9;--rc:#64748b}
${ruleColourRules(RULE_COLOURS_LIGHT)}
@media (prefers-color-scheme: dark){
:root{--bg:#0b1120;--panel:#111827;--fg:#e5e7eb;--muted:#9ca3af;--line:#374151;--soft:#1f2937;--accent:#93c5fd;--focus:#60a5fa;
--ok:#4b5563;--err:#f87171;--warn:#facc15;--info:#7dd3fc;--syn:#93c5fd;--synack:#86efac;--rst:#f87171;--icmp:#fdba74;--data:#cbd5e1;
--retrans:#fbbf24;--code-bg:#1f2937}
${ruleColourRules(RULE_COLOURS_DARK)}
}
.rc-x{--rc:#64748b}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em}
header.page,main,footer{max-width:1180px;margin:0 auto;padding:0 20px}
header.page{padding-top:20px}
h1{font-size:1.5rem;margin:0 0 4px}
h1 .tool{color:var(--accent)}
h2{font-size:1.15rem;margin:0 0 10px}
h3{font-size:1rem;margin:0}
h4{font-size:.9rem;margin:10px 0 4px}
.subtitle{color:var(--muted);margin:0 0 16px;overflow-wrap:anywhere}
section.panel,article.finding{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 16px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
.facts dt{color:var(--muted)}
.facts dd{margin:0;overflow-wrap:anywhere}
.toolbar{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:end}
.toolbar label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted);gap:2px}
select,input[type=search],button{font:inherit;color:var(--fg);background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:5px 10px}
input[type=search]{min-width:min(260px,100%)}
button{cursor:pointer;background:var(--soft);white-space:nowrap}
button:hover{border-color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
a{color:var(--accent)}
.status{margin:0 0 0 auto;color:var(--muted);font-size:.9rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--soft);vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-weight:600;font-size:.85rem;color:var(--rc);border:1.5px solid var(--rc);white-space:nowrap}
.sev{font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em}
.sev-error{color:var(--err)}.sev-warning{color:var(--warn)}.sev-info{color:var(--info)}
article.finding{border-left:5px solid var(--rc)}
.finding-head{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;margin-bottom:6px}
.finding-head .who{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9rem;overflow-wrap:anywhere}
.finding-head .stream{color:var(--muted);font-size:.85rem}
.summary{margin:4px 0 12px;overflow-wrap:anywhere}
.finding-body{display:grid;grid-template-columns:minmax(0,600px) minmax(0,1fr);gap:16px 24px}
@media (max-width:900px){.finding-body{grid-template-columns:minmax(0,1fr)}}
.scroll{overflow-x:auto;max-width:100%}
.ladder-svg{max-width:none}
.timeline-svg{min-width:640px}
p .mono{overflow-wrap:anywhere}
@media (max-width:600px){
header.page,main,footer{padding-left:10px;padding-right:10px}
section.panel,article.finding{padding:12px}
.status{margin-left:0}
.rules thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
.rules tr{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline;padding:8px 0;border-bottom:1px solid var(--soft)}
.rules td{display:block;border:0;padding:0}
.rules td.meaning{flex-basis:100%}
.rules td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}
.rules td.num{text-align:left}
.codes tr{display:grid;grid-template-columns:max-content 1fr;border-bottom:1px solid var(--soft)}
.codes td{border:0;padding:2px 8px}
.codes td:last-child{grid-column:1/-1;padding-bottom:6px}
}
figure{margin:0}
figcaption{color:var(--muted);font-size:.8rem}
svg{max-width:100%;height:auto;display:block}
.codes caption{text-align:left;padding:0 8px 4px}
.codes td:first-child{white-space:nowrap;color:var(--muted)}
.codes code{font-weight:600}
.filter-row{display:flex;gap:8px;align-items:flex-start;margin-top:6px}
.filter-row code{flex:1;background:var(--code-bg);border-radius:6px;padding:6px 8px;overflow-wrap:anywhere}
details{margin-top:8px}
summary{cursor:pointer;color:var(--accent)}
ul,ol{margin:4px 0;padding-left:22px}
.muted{color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;margin-top:8px;font-size:.85rem;padding:0;list-style:none}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:22px;height:10px;border-radius:3px;background:var(--rc)}
.swatch.ok{background:var(--ok)}
.file-section{border-top:2px solid var(--line);padding-top:14px;margin-top:26px}
/* A scan page holds hundreds of sections: the browser lays out and paints only those near the screen. */
.file-section,article.finding{content-visibility:auto;contain-intrinsic-size:auto 900px}
.file-section>h2{overflow-wrap:anywhere}
.errors td{overflow-wrap:anywhere}
.offscreen{position:fixed;top:-1000px;left:0}
.copy-status{font-size:.8rem;color:var(--muted);min-width:4em}
.ladder-svg{font-size:12px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
.ladder-svg .lifeline rect{fill:var(--soft);stroke:var(--line)}
.ladder-svg .lifeline line{stroke:var(--muted);stroke-width:1.5}
.ladder-svg .lifeline-other line{stroke-dasharray:4 4}
.ladder-svg .role{font-weight:700;fill:var(--fg)}
.ladder-svg .addr,.ladder-svg .time,.ladder-svg .frame{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:11px;fill:var(--muted)}
.ladder-svg .addr{fill:var(--fg)}
.ladder-svg .axis line,.ladder-svg .axis path{stroke:var(--line);fill:none}
.ladder-svg .axis .tick{stroke:var(--muted)}
.ladder-svg .axis-title{font-size:11px;fill:var(--muted);font-style:italic}
.ladder-svg .axis-break{stroke:var(--muted);stroke-width:1.5}
.ladder-svg .gap path{stroke:var(--retrans);fill:none}
.ladder-svg .gap text{fill:var(--retrans);font-size:11px;font-weight:600}
.ladder-svg .pkt{--pc:var(--data)}
.ladder-svg .pkt-syn{--pc:var(--syn)}.ladder-svg .pkt-synack{--pc:var(--synack)}.ladder-svg .pkt-rst{--pc:var(--rst)}
.ladder-svg .pkt-icmp{--pc:var(--icmp)}.ladder-svg .pkt-fin{--pc:var(--muted)}
.ladder-svg .pkt line{stroke:var(--pc);stroke-width:2}
.ladder-svg .pkt .head{fill:var(--pc)}
.ladder-svg .pkt .label{fill:var(--pc);font-weight:600}
.ladder-svg .pkt-retrans line{stroke-dasharray:6 4}
.ladder-svg .elision rect{fill:var(--soft);stroke:var(--line);stroke-dasharray:3 3}
.ladder-svg .elision text,.ladder-svg .empty{fill:var(--muted);font-style:italic}
.timeline-svg{font-size:11px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
.timeline-svg .span rect{fill:var(--ok)}
.timeline-svg .span.failed rect{fill:var(--rc)}
.timeline-svg .span.dimmed{opacity:.12}
.timeline-svg a:focus-visible rect,.timeline-svg a:hover rect{stroke:var(--fg);stroke-width:1.5}
.timeline-svg .axis line{stroke:var(--line)}
.timeline-svg .axis text{fill:var(--muted)}
footer{color:var(--muted);font-size:.85rem;padding-bottom:24px}
@media print{.toolbar,button{display:none}}
`;

/**
 * The report's script: filtering by rule and endpoint (hiding finding cards, dimming timeline
 * bars), "show only this rule" buttons, and copy buttons with a fallback for pages opened
 * from disk where the asynchronous clipboard is refused.
 */
export const REPORT_JS = `
(function () {
  'use strict';
  var ruleSelect = document.getElementById('rule-filter');
  var endpointInput = document.getElementById('endpoint-filter');
  var status = document.getElementById('filter-status');
  if (!ruleSelect || !endpointInput) return;
  // An error code matches as --code does: a whole number or name; WSAECONNREFUSED also finds ECONNREFUSED.
  function codeMatches(el, needle) {
    var codes = ' ' + (el.getAttribute('data-codes') || '') + ' ';
    return codes.indexOf(' ' + needle + ' ') >= 0 || (needle.indexOf('wsa') === 0 && codes.indexOf(' ' + needle.slice(3) + ' ') >= 0);
  }
  function matches(el, rule, needle) {
    if (rule && el.getAttribute('data-rule') !== rule) return false;
    if (needle && (el.getAttribute('data-endpoints') || '').indexOf(needle) < 0 && !codeMatches(el, needle)) return false;
    return true;
  }
  function apply() {
    var rule = ruleSelect.value;
    var needle = endpointInput.value.trim().toLowerCase();
    var shown = 0, total = 0;
    document.querySelectorAll('article.finding').forEach(function (el) {
      var ok = matches(el, rule, needle);
      el.hidden = !ok;
      total++;
      if (ok) shown++;
    });
    document.querySelectorAll('.timeline-svg .span').forEach(function (el) {
      var ok = (!rule || el.getAttribute('data-rule') === rule) && matches(el, '', needle);
      el.classList.toggle('dimmed', !ok);
    });
    document.querySelectorAll('.report').forEach(function (section) {
      var visible = section.querySelectorAll('article.finding:not([hidden])').length;
      var any = section.querySelectorAll('article.finding').length;
      var note = section.querySelector('.no-match');
      if (note) note.hidden = !(any > 0 && visible === 0);
    });
    if (status) status.textContent = (rule || needle) ? 'Showing ' + shown + ' of ' + total + ' findings' : total + (total === 1 ? ' finding' : ' findings');
  }
  ruleSelect.addEventListener('change', apply);
  endpointInput.addEventListener('input', apply);
  var clear = document.getElementById('clear-filters');
  if (clear) clear.addEventListener('click', function () { ruleSelect.value = ''; endpointInput.value = ''; apply(); ruleSelect.focus(); });
  document.querySelectorAll('button[data-show-rule]').forEach(function (button) {
    button.addEventListener('click', function () {
      ruleSelect.value = button.getAttribute('data-show-rule') || '';
      apply();
      ruleSelect.focus();
    });
  });
  function fallbackCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    button.addEventListener('click', function () {
      var source = document.getElementById(button.getAttribute('data-copy') || '');
      var said = document.getElementById((button.getAttribute('data-copy') || '') + '-status');
      if (!source) return;
      var text = source.textContent || '';
      function done(ok) { if (said) said.textContent = ok ? 'Copied' : 'Select and copy'; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
      } else {
        done(fallbackCopy(text));
      }
    });
  });
  apply();
})();
`;
