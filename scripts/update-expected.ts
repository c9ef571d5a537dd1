/**
 * Rewrites fixtures/**\/NAME.expected.json from the current analysis. Run after a change that is
 * meant to change findings, then review the diff: the goldens are the project's regression net.
 *
 *   npx tsx scripts/update-expected.ts
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { formatJson } from '../src/report/json.js';
import { capturesUnder, FIXTURES, ROOT } from '../test/helpers/fixtures.js';
import { expectedPath, goldenReport } from '../test/helpers/golden.js';

for (const capture of capturesUnder(FIXTURES)) {
  const report = await goldenReport(capture);
  writeFileSync(expectedPath(capture), formatJson(report));
  console.log(`${relative(ROOT, expectedPath(capture))}: ${report.findings.length} finding(s)`);
}
