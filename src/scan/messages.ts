/** Messages between the scan pool and its worker threads (structured-clone plain objects). */
import type { AnalysisReport } from '../report/types.js';
import type { FindingFilterSpec } from '../model/report.js';
import type { Finding } from '../rules/types.js';
import type { CapturePart, CapturePartRequest } from './parts.js';
import type { FindingTally } from './tally.js';
import type { ScanFileError } from './types.js';

/** What the pool gives each worker as it starts it (its `workerData`). */
export interface WorkerSetup {
  /** The memory of the worker's OutputCredit (credit.ts), shared with the pool. */
  credit: SharedArrayBuffer;
  /** Batches of streamed findings the worker may have in flight. */
  creditLimit: number;
}

/** Main thread → worker. */
export type ToWorker =
  | {
      type: 'job';
      id: number;
      path: string;
      /** Post each finding as soon as it is decided: as an object, or as its line in a streamed format. */
      streamFindings: false | 'finding' | { format: string };
      keepFindings: boolean;
      /** Render the capture's part of the output and write it into `partsDir` (null: send it back as text). */
      part?: CapturePartRequest & { partsDir: string | null };
      maxFlows?: number;
      /**
       * Only the findings these filters let through are streamed, tallied, kept and rendered; the
       * others never leave the worker (the report's summary and `filtered` still count them).
       */
      filter?: FindingFilterSpec;
    }
  | { type: 'stop' };

/** Worker → main thread. */
export type FromWorker =
  | { type: 'progress'; id: number; bytes: number }
  /** Findings as they were decided, a batch at a time (each batch holds a credit, see credit.ts). */
  | { type: 'findings'; id: number; findings: Finding[] }
  /**
   * Findings as lines of a streamed `scan --format` (jsonl: `{"file": …, …finding}`), in the
   * order decided, several whole lines at a time (each batch holds a credit, see credit.ts).
   */
  | { type: 'findingLines'; id: number; lines: string }
  | { type: 'done'; id: number; report: AnalysisReport; tally: FindingTally[]; part?: CapturePart }
  /** `report` is there when the file was read but held nothing useful. */
  | { type: 'failed'; id: number; error: ScanFileError; report?: AnalysisReport; tally?: FindingTally[] };
