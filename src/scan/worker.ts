/**
 * Entry of a scan worker thread: analyses the captures the pool sends, one at a time, and posts
 * back progress, findings (when streaming) and the report or error of each.
 */
import { parentPort } from 'node:worker_threads';
import { analyzeOne } from './analyze-one.js';
import { BOUNDED_HEAP } from '../cli/heap.js';
import type { FromWorker, ToWorker } from './messages.js';
import { FindingTallyCounter } from './tally.js';
import { scanReportJson } from '../report/scan-json.js';

/** Least time between two progress messages, so a fast file does not flood the main thread. */
const PROGRESS_INTERVAL_MS = 50;

const port = parentPort;
if (!port) throw new Error('the scan worker must run in a worker thread');

let stopped = false;
const post = (m: FromWorker): void => port.postMessage(m);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') {
    stopped = true;
    return;
  }
  void (async () => {
    let lastPost = 0;
    // Findings past the report's cap are counted too; when the findings themselves are not
    // wanted at all, none is built, only counted.
    const counter = new FindingTallyCounter();
    const countOnly = !msg.keepFindings && !msg.serializeReports && !msg.streamFindings;
    const result = await analyzeOne(msg.path, {
      // A worker is an entry point like the command: it takes the command's memory policy.
      heapPolicy: BOUNDED_HEAP,
      maxFlows: msg.maxFlows,
      ...(countOnly ? { maxFindings: 0 } : {}),
      onDroppedFinding: (key) => counter.add(key),
      shouldStop: () => stopped,
      onFinding: msg.streamFindings ? (finding) => post({ type: 'finding', id: msg.id, finding }) : undefined,
      onProgress: (bytes) => {
        const now = Date.now();
        if (now - lastPost < PROGRESS_INTERVAL_MS) return;
        lastPost = now;
        post({ type: 'progress', id: msg.id, bytes });
      },
    });
    // The tally is made here, in parallel; without keepFindings the findings stay here too, so
    // the main thread neither copies nor walks thousands of them per capture.
    // Serialized here too when asked, so the main thread only passes the text on.
    const report = result.report;
    if (report) for (const f of report.findings) counter.add(f);
    const tally = report ? counter.rows() : undefined;
    const reportJson = report && !result.error && msg.serializeReports ? scanReportJson(report) : undefined;
    if (report && (!msg.keepFindings || reportJson !== undefined)) report.findings = [];
    if (result.error) post({ type: 'failed', id: msg.id, error: result.error, report, tally });
    else if (report) post({ type: 'done', id: msg.id, report, tally: tally!, reportJson });
  })();
});
