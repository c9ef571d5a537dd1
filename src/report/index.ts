/**
 * Every output format, by the name `--format` takes: one reporter object per format with its
 * `analyze`, `scan` and `check` outputs and what each needs of the analysis. `analyze`, `scan`
 * and `check` reach their formats only through this map, and the option parser reads its names
 * from it.
 *
 * A format's code is loaded when it is used (`load()`), never at start-up: this module imports
 * no reporter, so `wirewhy analyze --format json` loads neither the HTML page nor the tables.
 *
 * Adding `--format X` is one entry here (its code in its own module, loaded by the entry).
 */
import type { AnalysisReport } from '../model/report.js';
import type { Finding } from '../model/finding.js';
import type { AnalyzeOutput, AnalyzeReporter, FormatOption, Reporter, ReportOptions, ScanFormatOutput } from './reporter.js';

export type * from './reporter.js';

/** Options only the text format takes. */
const TEXT_OPTIONS: readonly FormatOption[] = ['ladder', 'brief'];

const FORMATS = {
  text: {
    description: 'for people: a summary table, each failure with its codes, causes and checks',
    analyze: {
      findings: 'kept',
      conversations: false,
      forPeople: true,
      takes: TEXT_OPTIONS,
      load: async () => {
        const [{ formatText }, { formatLiveFinding, formatPending }] = await Promise.all([import('./text.js'), import('./live.js')]);
        return { report: (report, opts, write) => write(formatText(report, opts)), live: formatLiveFinding, pending: formatPending };
      },
    },
    scan: {
      findings: 'counted',
      load: async () => {
        const { formatScanText, ScanFindingGroups } = await import('./scan-text.js');
        return {
          open: (ctx) => {
            // The findings are merged into groups across captures as captures finish, then dropped.
            const groups = new ScanFindingGroups();
            return {
              add: (index, r) => void (r.tally && groups.add(index, r.file, r.tally)),
              finish: (result) => void ctx.out(formatScanText(result, ctx.terminal, groups.groups(), ctx.width)),
            };
          },
        };
      },
    },
    check: {
      load: async () => {
        const { formatCheckText } = await checkModule();
        return { format: (outcomes, _seconds, opts) => formatCheckText(outcomes, opts) };
      },
    },
  },
  json: {
    description: 'the whole report as one JSON document (schema version 1)',
    analyze: wholeReport(async () => {
      const { writeJson } = await import('./json.js');
      return (report, _opts, write) => writeJson(report, write);
    }),
    scan: {
      findings: 'kept',
      load: async () => {
        const { writeScanJson, writeScanReportJson } = await import('./scan-json.js');
        return {
          part: (report, _request, write) => (writeScanReportJson(report, write), {}),
          open: (ctx) => ({ finish: (result) => writeScanJson(result, (f) => ctx.copyPart(f, ctx.out), ctx.out) }),
        };
      },
    },
    check: { load: async () => ({ format: (await checkModule()).formatCheckJson }) },
  },
  jsonl: {
    description: 'one finding per line as soon as it is decided, with its capture\'s file name',
    // A sharded scan also writes a record per capture and one for the scan, which `wirewhy merge` reads.
    ...findingLines(async () => {
      const { formatJsonlFinding } = await import('./jsonl.js');
      return (f, file) => formatJsonlFinding(f, { file });
    }, { records: true }),
  },
  junit: {
    description: 'JUnit XML for CI test reports (a failing test case per finding group reaching --fail-on)',
    analyze: wholeReport(async () => {
      const { formatJunit } = await import('./junit.js');
      return (report, opts, write) => write(formatJunit(report, opts));
    }),
    scan: {
      findings: 'kept',
      load: async () => {
        const { junitCaseXml, scanJunitCase, writeScanJunit } = await import('./junit.js');
        return {
          part: (report, request, write) => {
            const c = scanJunitCase({ file: report.capture.file, size: 0, report }, request.failOn);
            write(junitCaseXml(c));
            return { failed: c.failure !== undefined };
          },
          open: (ctx) => ({ finish: (result) => writeScanJunit(result, ctx.failOn, ctx.out, (f) => ctx.copyPart(f, ctx.out)) }),
        };
      },
    },
    check: { load: async () => ({ format: (await checkModule()).formatCheckJunit }) },
  },
  html: {
    description: 'one self-contained page with timelines and ladder diagrams',
    // The HTML timeline draws every conversation, healthy ones too.
    analyze: wholeReport(async () => {
      const { formatHtml } = await import('./html.js');
      return (report, _opts, write) => write(formatHtml(report));
    }, { conversations: true }),
    scan: {
      findings: 'kept',
      load: async () => {
        const [{ scanHtmlCapture, writeScanHtml, writeScanHtmlSection }, { HTML_PREFIX_MARK }, { filteredSentence }] = await Promise.all([import('./html.js'), import('../model/parts.js'), import('../rules/filter.js')]);
        return {
          part: (report, _request, write) => {
            const { rules, shown } = scanHtmlCapture(report);
            writeScanHtmlSection(report, HTML_PREFIX_MARK, write);
            return { rules, findings: shown };
          },
          open: (ctx) => ({
            finish: (result) => {
              // One self-contained page: a section per capture, the unreadable ones with their errors.
              const read = result.files.filter((f) => f.report && !f.error);
              writeScanHtml(
                {
                  captures: read.map((f) => ({ report: f.report!, rules: f.part?.rules ?? [], shown: f.part?.findings ?? 0 })),
                  failures: result.files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error!.line })),
                  title: ctx.title,
                  ...(result.totals.filtered ? { filtered: filteredSentence(result.totals.filtered, result.filter) } : {}),
                },
                (i, prefix) => ctx.copyPart(read[i]!, (chunk) => ctx.out(chunk.replaceAll(HTML_PREFIX_MARK, prefix))),
                ctx.out,
              );
            },
          }),
        };
      },
    },
  },
  ecs: {
    description: 'one Elastic Common Schema document per finding per line, for Filebeat or Logstash',
    ...findingLines(async () => (await import('./ecs.js')).formatEcsFinding),
  },
} as const satisfies Record<string, Reporter>;

/** Names of the output formats: 'text' | 'json' | … (any format added above joins by itself). */
export type ReporterName = keyof typeof FORMATS;

/** Every output format, in the order `--help` lists them. */
export const REPORTERS: Readonly<Record<ReporterName, Reporter>> = FORMATS;

/**
 * The `analyze` output of a machine format that writes the whole report once it is finished
 * (the capture's warnings go to stderr beside it).
 */
function wholeReport(load: () => Promise<NonNullable<AnalyzeOutput['report']>>, needs: { conversations?: boolean } = {}): AnalyzeReporter {
  return { findings: 'kept', conversations: needs.conversations ?? false, forPeople: false, takes: [], load: async () => ({ report: await load() }) };
}

/**
 * `analyze` and `scan` of a format that writes one line per finding as soon as it is decided
 * (in a scan, by the worker that decided it); what could not be read goes to stderr, one line
 * each, as files finish. With `records`, a sharded scan also writes its capture and scan records.
 */
function findingLines(load: () => Promise<(finding: Finding, file: string) => string>, opts: { records?: boolean } = {}): Pick<Reporter, 'analyze' | 'scan'> {
  return {
    analyze: { findings: 'streamed', conversations: false, forPeople: false, takes: [], load: async () => ({ finding: await load() }) },
    scan: {
      findings: 'streamed',
      load: async () => {
        const [finding, { filteredSentence }] = await Promise.all([load(), import('../rules/filter.js')]);
        const records = opts.records ? await import('./scan-records.js') : null;
        return {
          finding,
          open: (ctx) => ({
            add: (_index, r) => {
              if (r.error) ctx.err(`${r.error.line}\n`);
              if (records && ctx.records) ctx.out(records.captureRecordLine(r));
            },
            finish: (result) => {
              for (const e of result.pathErrors) ctx.err(`wirewhy: ${e.path}: ${e.message}\n`);
              // The lines say nothing of the findings left out: stderr does, as for an interrupted scan.
              if (result.totals.filtered) ctx.err(`wirewhy: ${filteredSentence(result.totals.filtered, result.filter)}\n`);
              if (records && ctx.records) ctx.out(records.scanRecordLines(result, ctx.records.shard));
            },
          }),
        };
      },
    },
  };
}

function checkModule(): Promise<typeof import('./check.js')> {
  return import('./check.js');
}

/** The format names, in declaration order. */
export const REPORTER_NAMES = Object.freeze(Object.keys(REPORTERS)) as readonly ReporterName[];

/** Whether `name` is a format REPORTERS knows. */
export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}

/** The reporter called `name` (any command), or undefined. */
export function reporter(name: string): Reporter | undefined {
  return isReporterName(name) ? REPORTERS[name] : undefined;
}

/** The formats a command offers, for `--format` choices and help. */
export function formatsOf(command: 'analyze' | 'scan' | 'check'): ReporterName[] {
  return REPORTER_NAMES.filter((name) => REPORTERS[name][command] !== undefined);
}

/** Load the `analyze` output of `name`. */
export function loadAnalyzeOutput(name: string): Promise<AnalyzeOutput> {
  const r = reporter(name)?.analyze;
  if (!r) throw new Error(`no analyze output called ${JSON.stringify(name)}`);
  return r.load();
}

/** Load the `scan` output of `name` (main thread and scan workers). */
export function loadScanOutput(name: string): Promise<ScanFormatOutput> {
  const r = reporter(name)?.scan;
  if (!r) throw new Error(`no scan output called ${JSON.stringify(name)}`);
  return r.load();
}

/**
 * Format a finished report with the reporter called `name`, as `analyze --format name` writes
 * it (a streamed format writes every finding of the report).
 */
export async function formatReport(name: ReporterName, report: AnalysisReport, opts: ReportOptions): Promise<string> {
  const output = await loadAnalyzeOutput(name);
  const pieces: string[] = [];
  if (output.report) output.report(report, opts, (chunk) => void pieces.push(chunk));
  else for (const f of report.findings) pieces.push(output.finding!(f, report.capture.file));
  return pieces.join('');
}
