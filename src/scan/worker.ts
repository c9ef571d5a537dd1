/**
 * Entry of a scan worker thread: analyses the captures the pool sends, one at a time, and posts
 * back progress, findings (when streaming) and the report or error of each.
 */
import { parentPort } from 'node:worker_threads';
import { analyzeOne } from './analyze-one.js';
import { BOUNDED_HEAP } from '../cli/heap.js';
import type { FromWorker, ToWorker } from './messages.js';
import { CapturePartWriter, renderCapturePart, type CapturePart } from './parts.js';
import { FindingTallyCounter } from '../report/tally.js';
import { loadScanOutput } from '../report/index.js';
import type { Finding } from '../model/finding.js';
import { filteredReport, findingFilter } from '../rules/filter.js';

/** Least time between two progress messages, so a fast file does not flood the main thread. */
const PROGRESS_INTERVAL_MS = 50;

const port = parentPort;
if (!port) throw new Error('the scan worker must run in a worker thread');

let stopped = false;
let partWriter: CapturePartWriter | null = null;
const post = (m: FromWorker): void => port.postMessage(m);

/** How a decided finding goes to the main thread, if it goes at all. */
async function streamFinding(id: number, file: string, how: Extract<ToWorker, { type: 'job' }>['streamFindings']): Promise<((finding: Finding) => void) | undefined> {
  if (how === 'finding') return (finding) => post({ type: 'finding', id, finding });
  if (how) {
    // The line is made here, in parallel, by the streamed format's own scan output.
    const output = await loadScanOutput(how.format);
    return (finding) => post({ type: 'findingLine', id, line: output.finding!(finding, file) });
  }
  return undefined;
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') {
    stopped = true;
    return;
  }
  void (async () => {
    let lastPost = 0;
    // Findings past the report's cap are counted too; when the findings themselves are not
    // wanted at all, none is built, only counted. Filtered out here, a finding is neither
    // streamed, tallied nor rendered, so it never crosses to the main thread.
    const wanted = msg.filter ? findingFilter(msg.filter) : null;
    const counter = new FindingTallyCounter();
    let shownNotKept = 0;
    const countOnly = !msg.keepFindings && !msg.part && !msg.streamFindings;
    const stream = await streamFinding(msg.id, msg.path, msg.streamFindings);
    const result = await analyzeOne(msg.path, {
      // A worker is an entry point like the command: it takes the command's memory policy.
      heapPolicy: BOUNDED_HEAP,
      maxFlows: msg.maxFlows,
      ...(countOnly ? { maxFindings: 0 } : {}),
      onDroppedFinding: (key) => {
        if (wanted && !wanted(key)) return;
        counter.add(key);
        shownNotKept++;
      },
      shouldStop: () => stopped,
      onFinding: stream && wanted ? (f) => void (wanted(f) && stream(f)) : stream,
      onProgress: (bytes) => {
        const now = Date.now();
        if (now - lastPost < PROGRESS_INTERVAL_MS) return;
        lastPost = now;
        post({ type: 'progress', id: msg.id, bytes });
      },
    });
    // The tally is made here, in parallel; without keepFindings the findings stay here too, so
    // the main thread neither copies nor walks thousands of them per capture. The capture's
    // part of the output is rendered and stored here too, so the report never leaves.
    const report = result.report && wanted ? filteredReport(result.report, wanted, shownNotKept) : result.report;
    if (report) for (const f of report.findings) counter.add(f);
    const tally = report ? counter.rows() : undefined;
    let part: CapturePart | undefined;
    if (report && !result.error && msg.part) {
      const request = msg.part;
      partWriter ??= new CapturePartWriter(request.partsDir);
      const { at, rendered } = await partWriter.put((write) => renderCapturePart(report, request, write));
      part = { at, ...rendered };
    }
    if (report && (!msg.keepFindings || part)) report.findings = [];
    if (result.error) post({ type: 'failed', id: msg.id, error: result.error, report, tally });
    else if (report) post({ type: 'done', id: msg.id, report, tally: tally!, part });
  })();
});
