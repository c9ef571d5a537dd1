/**
 * `wirewhy diff BEFORE AFTER`: the failures that are new, gone, or have another cause, as text
 * for people and as a JSON document. Failures are matched by what they are about (client
 * address, server endpoint, rule and codes; see matchFailures), never by stream index.
 */
import type { Finding } from '../model/finding.js';
import { hostPort } from '../rules/engine.js';
import { jsonReplacer } from './json.js';
import { terminalStyle, type TerminalOptions } from './terminal.js';

/** A failure whose endpoints failed before and after, for another cause. */
export interface ChangedFailure {
  before: Finding;
  after: Finding;
  /** "<rule> → <other rule>", "codes.linux: 110 → 111". */
  changes: string[];
}

/** What changed between two analyses. */
export interface CaptureDiff {
  before: { file: string; findings: number };
  after: { file: string; findings: number };
  new: Finding[];
  gone: Finding[];
  changed: ChangedFailure[];
  /** Failures in both, with the same cause. */
  unchanged: number;
}

/** "<rule> 10.0.0.1 → 10.0.0.2:8080 tcp (HTTP), tcp.stream 4, frames 9, 10". */
export function describeFailure(f: Finding, arrow = '→'): string {
  const server = f.server.port < 0 ? f.server.address : hostPort(f.server);
  const service = f.service ? ` (${f.service})` : '';
  return `${f.rule} ${f.client.address} ${arrow} ${server} ${f.protocol}${service}, ${f.protocol}.stream ${f.stream}, frame${f.frames.length === 1 ? '' : 's'} ${f.frames.join(', ')}`;
}

/** The diff for people. */
export function formatDiffText(d: CaptureDiff, opts: TerminalOptions): string {
  const style = terminalStyle(opts);
  const t = style.text;
  const arrow = style.arrow;
  const lines: string[] = [];
  lines.push(style.bold(`${t(d.before.file)} ${arrow} ${t(d.after.file)}: ${d.new.length} new, ${d.gone.length} gone, ${d.changed.length} changed, ${d.unchanged} unchanged`));
  for (const f of d.new) lines.push(style.red(`+ new:     ${t(describeFailure(f, arrow))}`));
  for (const f of d.gone) lines.push(style.green(`- gone:    ${t(describeFailure(f, arrow))}`));
  for (const c of d.changed) {
    const server = c.after.server.port < 0 ? c.after.server.address : hostPort(c.after.server);
    lines.push(style.yellow(`~ changed: ${t(`${c.after.client.address} ${arrow} ${server} ${c.after.protocol}: ${c.changes.join('; ').replaceAll('→', arrow)} (now ${c.after.protocol}.stream ${c.after.stream}, frames ${c.after.frames.join(', ')})`)}`));
  }
  if (d.new.length + d.gone.length + d.changed.length === 0) lines.push(style.green('No failure is new, gone or changed.'));
  return `${lines.join('\n')}\n`;
}

/** The diff as a JSON document (`kind: "diff"`). */
export function formatDiffJson(d: CaptureDiff): string {
  return `${JSON.stringify({ schemaVersion: 1, kind: 'diff', ...d }, jsonReplacer, 2)}\n`;
}
