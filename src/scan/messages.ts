/** Messages between the scan pool and its worker threads (structured-clone plain objects). */
import type { AnalysisReport } from '../report/types.js';
import type { FindingFilterSpec } from '../model/report.js';
import type { Finding } from '../rules/types.js';
import type { CapturePart, CapturePartRequest } from './parts.js';
import type { FindingTally } from './tally.js';
import type { ScanFileError } from './types.js';

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
  | { type: 'finding'; id: number; finding: Finding }
  /** The finding as a line of a streamed `scan --format` (jsonl: `{"file": …, …finding}`). */
  | { type: 'findingLine'; id: number; line: string }
  | { type: 'done'; id: number; report: AnalysisReport; tally: FindingTally[]; part?: CapturePart }
  /** `report` is there when the file was read but held nothing useful. */
  | { type: 'failed'; id: number; error: ScanFileError; report?: AnalysisReport; tally?: FindingTally[] };
