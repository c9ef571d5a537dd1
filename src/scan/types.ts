/**
 * What a scan of many captures produces. The types are plain data in model/scan.ts (the
 * reporters read them without importing scan/); re-exported here for the pool and the commands.
 */
import type { ScanFileResult, ScanTotals } from '../model/scan.js';

export type { FindingTally, ScanFileError, ScanFileResult, ScanResult, ScanTotals, SkippedFile } from '../model/scan.js';

/** Sum up the per-file results. */
export function scanTotals(files: readonly ScanFileResult[], skipped: number): ScanTotals {
  const t: ScanTotals = { captures: 0, notAnalysed: 0, analysed: 0, unreadable: 0, skipped, packets: 0, bytes: 0, tcpConversations: 0, udpExchanges: 0, findings: 0, byRule: {} };
  for (const f of files) {
    if (f.notRun) t.notAnalysed++;
    else t.captures++;
    if (f.error) t.unreadable++;
    if (!f.report) continue;
    if (!f.error) t.analysed++;
    const r = f.report;
    t.packets += r.capture.packets;
    t.bytes += f.size;
    t.tcpConversations += r.summary.tcpConversations;
    t.udpExchanges += r.summary.udpExchanges;
    t.findings += r.summary.findings;
    for (const [rule, n] of Object.entries(r.summary.byRule)) t.byRule[rule] = (t.byRule[rule] ?? 0) + n;
    if (r.filtered) {
      t.filtered ??= { shown: 0, of: 0 };
      t.filtered.shown += r.filtered.shown;
      t.filtered.of += r.filtered.of;
    }
  }
  return t;
}
