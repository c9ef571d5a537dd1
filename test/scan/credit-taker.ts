/**
 * A worker thread for credit.test.ts: takes `batches` credits one after another, as a scan worker
 * does before posting each batch of streamed findings, and posts the number of each batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OutputCredit } from '../../src/scan/credit.js';

const { shared, limit, batches } = workerData as { shared: SharedArrayBuffer; limit: number; batches: number };
const credit = new OutputCredit(limit, shared);
for (let i = 0; i < batches; i++) {
  credit.take();
  parentPort!.postMessage(i);
}
