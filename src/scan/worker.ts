/**
 * Entry of a scan worker thread: analyses the captures the pool sends, one at a time, and posts
 * back progress, findings (when streaming) and the report or error of each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeOne } from './analyze-one.js';
import { BOUNDED_HEAP } from '../cli/heap.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';
import { CapturePartWriter, renderCapturePart, type CapturePart } from './parts.js';
import { FindingTallyCounter } from '../report/tally.js';
import { loadScanOutput } from '../report/index.js';
import type { Finding } from '../model/finding.js';
import { filteredReport, findingFilter } from '../rules/filter.js';
import { OutputCredit, STREAM_BATCH_CHARS, STREAM_BATCH_FINDINGS } from './credit.js';

/** Least time between two progress messages, so a fast file does not flood the main thread. */
const PROGRESS_INTERVAL_MS = 50;

const port = parentPort;
if (!port) throw new Error('the scan worker must run in a worker thread');

let stopped = false;
let partWriter: CapturePartWriter | null = null;
const post = (m: FromWorker): void => port.postMessage(m);
const setup = workerData as WorkerSetup;
/** Shared with the pool (see credit.ts): a batch of streamed findings is posted only with a credit. */
const credit = new OutputCredit(setup.creditLimit, setup.credit);

/**
 * Streamed findings of one capture on their way to the main thread: gathered into batches, each
 * posted once the worker holds a credit for it, so that what waits for the output is bounded.
 */
class StreamedBatch {
  private lines: string[] = [];
  private chars = 0;
  private findings: Finding[] = [];

  constructor(private readonly id: number) {}

  addLine(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= STREAM_BATCH_CHARS) this.post();
  }

  addFinding(finding: Finding): void {
    this.findings.push(finding);
    if (this.findings.length >= STREAM_BATCH_FINDINGS) this.post();
  }

  /** Post what was gathered (once per read chunk, so lines still come out while a capture is read). */
  post(): void {
    if (this.lines.length === 0 && this.findings.length === 0) return;
    // Blocks this thread while the output has not taken the batches already posted.
    credit.take();
    if (this.lines.length > 0) {
      post({ type: 'findingLines', id: this.id, lines: this.lines.join('') });
      this.lines = [];
      this.chars = 0;
    } else {
      post({ type: 'findings', id: this.id, findings: this.findings });
      this.findings = [];
    }
  }
}

/** How a decided finding goes to the main thread, if it goes at all. */
async function streamFinding(batch: StreamedBatch, file: string, how: Extract<ToWorker, { type: 'job' }>['streamFindings']): Promise<((finding: Finding) => void) | undefined> {
  if (how === 'finding') return (finding) => batch.addFinding(finding);
  if (how) {
    // The line is made here, in parallel, by the streamed format's own scan output.
    const output = await loadScanOutput(how.format);
    return (finding) => batch.addLine(output.finding!(finding, file));
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
    const batch = new StreamedBatch(msg.id);
    const stream = await streamFinding(batch, msg.path, msg.streamFindings);
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
        batch.post();
        const now = Date.now();
        if (now - lastPost < PROGRESS_INTERVAL_MS) return;
        lastPost = now;
        post({ type: 'progress', id: msg.id, bytes });
      },
    });
    // Every streamed finding reaches the main thread before the capture's report does.
    batch.post();
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
