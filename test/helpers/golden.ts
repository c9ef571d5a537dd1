/** Golden reports: each fixture capture has NAME.expected.json beside it (the JSON report). */
import { relative } from 'node:path';
import { analyzeCapture } from '../../src/analyze.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { ROOT } from './fixtures.js';

/** NAME.expected.json for a capture path (any capture extension, with or without .gz). */
export function expectedPath(capture: string): string {
  return capture.replace(/\.(pcapng|pcap|cap)(\.gz)?$/, '') + '.expected.json';
}

/** The report as stored: file relative to the project, tool version left out (it changes). */
export async function goldenReport(capture: string): Promise<AnalysisReport> {
  const report = await analyzeCapture(capture, { name: relative(ROOT, capture) });
  return { ...report, tool: { name: 'wirewhy', version: '*' } };
}
