/**
 * The command-line program, built by a function so tests can run it in-process.
 * Exit statuses: 0 analysed, 1 findings reached --fail-on (check: expectations differ), 2 bad usage,
 * unreadable input, nothing to analyse (scan, check) or a report that could not be written; when
 * both 1 and 2 apply, 2 wins (see scanExitStatus in scan.ts).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SEVERITIES } from '../rules/types.js';
import type { FindingFilterSpec } from '../model/report.js';
import { VERSION } from '../version.js';
import { parseShard, type Shard } from '../scan/shard.js';
import { formatsOf, REPORTERS, type FormatOption, type ReporterName } from '../report/index.js';
import { colorChoice, EXIT_UNREADABLE, processIo, ReportOutput, terminalWidth, useColor, useUnicode, withReportFile, type CliIo } from './io.js';
import { helpAfter } from './help.js';

// Each command loads its own modules when it runs: start-up time and memory are then those of
// the command used (analyze --format json loads neither the scan pool nor the HTML report).

/** Columns `explain` fits its text to: COLUMNS, else the terminal's width, else 80. */
function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Build the program; `setExit` receives the exit status of the command that ran. */
export function buildProgram(io: CliIo, setExit: (code: number) => void, signal?: { stopped: boolean }): Command {
  const program = new Command('wirewhy')
    .description('Reads packet captures and explains why connections failed, with the error code each OS reports.')
    .version(VERSION)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();

  program
    .command('analyze')
    .description('analyse one capture (pcap, pcapng, gzip; "-" for standard input); several files are one capture merged by time, as mergecap does')
    .argument('<files...>', 'capture file, or - for standard input; several files (a rotated set) are read as one')
    .option('--as-one', 'read the captures under the folders given as one capture, merged by time')
    .addOption(formatOption('analyze'))
    .option('-o, --output <file>', 'write the report to this file (replaced only once it is complete)')
    .option('--color', 'colour the output even when it is not a terminal (as FORCE_COLOR)')
    .option('--no-color', 'no colour (as NO_COLOR)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices([...SEVERITIES]))
    .option('--max-flows <n>', 'cap on conversations tracked at once', positiveInt)
    .option('--ladder', "text format: draw each finding's evidence packets as a ladder diagram")
    .option('--brief', 'text format: one line per finding (continued, indented, past the width)')
    .option('--conversations', 'json format: also list every conversation, with its Community ID and Zeek history and conn_state')
    .option('--code <code>', 'only findings citing this error code, by number or name (10061, ECONNREFUSED, 111); repeatable', collect, [])
    .option('--rule <id>', 'only findings of this rule (connection-refused, ...); repeatable', collect, [])
    .addOption(new Option('--severity <severity>', 'only findings of at least this severity').choices([...SEVERITIES]))
    .action(async (files: string[], opts: ReportFileOptions & FilterOptions & { format: string; failOn?: string; maxFlows?: number; ladder?: boolean; brief?: boolean; asOne?: boolean; conversations?: boolean }, command: Command) => {
      refuseFormatOptions(command, opts.format as ReporterName, opts);
      await refuseUnknownFilters(command, opts);
      if (opts.conversations && opts.format !== 'json') command.error(`error: option '--conversations' goes with --format json, not ${opts.format}`, { exitCode: EXIT_UNREADABLE, code: 'wirewhy.formatOption' });
      const { runAnalyze } = await import('./analyze.js');
      const target = files.length === 1 && !opts.asOne ? files[0]! : files;
      setExit(await withReportFile(opts.output, withColor(io, opts), signal, (out) => runAnalyze(target, opts, out, signal)));
    });

  program
    .command('scan')
    .description('analyse every capture under files and folders, in parallel (captures are told by their first bytes)')
    .argument('<paths...>', 'capture files or folders (walked recursively)')
    .addOption(formatOption('scan'))
    .option('-o, --output <file>', 'write the report to this file (replaced only once it is complete)')
    .option('--color', 'colour the output even when it is not a terminal (as FORCE_COLOR)')
    .option('--no-color', 'no colour (as NO_COLOR)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices([...SEVERITIES]))
    .option('-j, --jobs <n>', 'worker threads (default: number of CPUs, at most one per 128 MB of captures)', positiveInt)
    .option('-q, --quiet', 'no progress bar')
    .option('--max-flows <n>', 'cap on conversations tracked at once, per capture', positiveInt)
    .option('--shard <I/N>', 'only part I of N of the captures, by a hash of their path (for clusters; combine the parts with wirewhy merge)', shardOption)
    .option('--code <code>', 'only findings citing this error code, by number or name (10061, ECONNREFUSED, 111); repeatable', collect, [])
    .option('--rule <id>', 'only findings of this rule (connection-refused, ...); repeatable', collect, [])
    .addOption(new Option('--severity <severity>', 'only findings of at least this severity').choices([...SEVERITIES]))
    .action(async (paths: string[], opts: ReportFileOptions & FilterOptions & { format: string; failOn?: string; jobs?: number; quiet?: boolean; maxFlows?: number; shard?: Shard }, command: Command) => {
      const filter = await refuseUnknownFilters(command, opts);
      const { runScan } = await import('./scan.js');
      setExit(await withReportFile(opts.output, withColor(io, opts), signal, (out) => runScan(paths, { ...opts, filter }, out, signal)));
    });

  program
    .command('merge')
    .description('combine the outputs of scan --shard I/N (--format jsonl or json) into the report one scan of everything prints')
    .argument('<results...>', 'outputs of the shards ("-" for standard input)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'junit', 'html']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices([...SEVERITIES]))
    .option('--title <title>', 'html format: the page title (scan uses the paths scanned)')
    .action(async (results: string[], opts: { format: string; failOn?: string; title?: string }) => {
      const { runMerge } = await import('./merge.js');
      setExit(await runMerge(results, opts, io));
    });

  program
    .command('diff')
    .description('list the failures that are new, gone or changed cause between two captures (or saved analyze --format json reports); exit 1 when one is new')
    .argument('<before>', 'capture or JSON report before')
    .argument('<after>', 'capture or JSON report after')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--max-flows <n>', 'cap on conversations tracked at once', positiveInt)
    .action(async (before: string, after: string, opts: { format: string; maxFlows?: number }) => {
      const { runDiff } = await import('./diff.js');
      setExit(await runDiff(before, after, opts, io));
    });

  program
    .command('check')
    .description('compare each capture\'s findings with NAME.expect.json beside it (CI regression check)')
    .argument('<paths...>', 'capture files or folders (walked recursively)')
    .option('-u, --update', 'write or rewrite the expectation files instead of comparing')
    .addOption(formatOption('check'))
    .option('-o, --output <file>', 'write the report to this file (replaced only once it is complete)')
    .option('--color', 'colour the output even when it is not a terminal (as FORCE_COLOR)')
    .option('--no-color', 'no colour (as NO_COLOR)')
    .option('-j, --jobs <n>', 'worker threads (default: number of CPUs, at most one per 128 MB of captures)', positiveInt)
    .option('-q, --quiet', 'no progress bar')
    .option('--max-flows <n>', 'cap on conversations tracked at once, per capture', positiveInt)
    .action(async (paths: string[], opts: ReportFileOptions & { format: string; update?: boolean; jobs?: number; quiet?: boolean; maxFlows?: number }) => {
      const { runCheck } = await import('./check.js');
      setExit(await withReportFile(opts.output, withColor(io, opts), signal, (out) => runCheck(paths, opts, out, signal)));
    });

  program
    .command('annotate')
    .description('copy a capture as pcapng with a comment on each evidence frame of each finding (for Wireshark)')
    .argument('<file>', 'capture file (pcap, pcapng, gzip); it is read twice')
    .requiredOption('-o, --output <file>', 'the pcapng file to write')
    .option('--max-flows <n>', 'cap on conversations tracked at once', positiveInt)
    .action(async (file: string, opts: { output: string; maxFlows?: number }) => {
      const { runAnnotate } = await import('./annotate.js');
      setExit(await runAnnotate(file, opts, io, signal));
    });

  program
    .command('mcp')
    .description('serve the analysis to AI assistants over the Model Context Protocol (stdio)')
    .action(async () => {
      const { runMcp } = await import('./mcp.js');
      setExit(await runMcp(io, signal));
    });

  program
    .command('explain')
    .description('explain an error as you have it (10061, ECONNREFUSED, 0x8007274D, "[Errno 111] Connection refused") or a rule id (connection-refused)')
    .argument('<query...>', 'error number, symbol or message (quote it, or give it as several words), or a rule id')
    .option('--full', 'every meaning with its sources and spellings, and the rules in full')
    .option('--color', 'colour the output even when it is not a terminal (as FORCE_COLOR)')
    .option('--no-color', 'no colour (as NO_COLOR)')
    .action(async (words: string[], opts: { full?: boolean; color?: boolean }) => {
      const { explain } = await import('../report/explain.js');
      const out = withColor(io, opts);
      const r = explain(words.join(' '), { color: useColor(out), unicode: useUnicode(out), width: terminalWidth(out), full: opts.full === true });
      io.stdout.write(r.text.endsWith('\n') ? r.text : r.text + '\n');
      setExit(r.found ? 0 : EXIT_UNREADABLE);
    });

  // Examples and exit statuses at the end of every --help (src/cli/help.ts).
  for (const command of [program, ...program.commands]) command.addHelpText('after', helpAfter(command.name()));
  return program;
}

/**
 * Run the program with `argv` (as process.argv); resolves to the exit status once everything
 * written to stdout has been flushed.
 *
 * A report that cannot be written ends the run: the command is stopped (as by Ctrl-C, so a long
 * scan does not go on for nobody), one line goes to stderr and the status is 2. A reader that
 * went away (`wirewhy … | head -1`) is no error: the run stops quietly with the status it had.
 */
export async function runCli(argv: string[], io: CliIo = processIo(), signal: { stopped: boolean } = { stopped: false }): Promise<number> {
  const stdout = new ReportOutput(io.stdout, () => (signal.stopped = true));
  const commandIo: CliIo = { ...io, stdout };
  let code = await runProgram(argv, commandIo, signal);
  await stdout.flush();
  if (stdout.failure && !stdout.readerClosed()) {
    io.stderr.write(`${stdout.failureLine()}\n`);
    if (io.env.WIREWHY_DEBUG) io.stderr.write(`${stdout.failure.stack ?? ''}\n`);
    code = EXIT_UNREADABLE;
  }
  return code;
}

async function runProgram(argv: string[], io: CliIo, signal: { stopped: boolean }): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c), signal);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : EXIT_UNREADABLE;
    }
    const err = e as Error;
    io.stderr.write(`wirewhy: internal error: ${err?.message ?? String(e)}\n`);
    if (io.env.WIREWHY_DEBUG) io.stderr.write(`${err?.stack ?? ''}\n`);
    return EXIT_UNREADABLE;
  }
  return code;
}

/** `--shard I/N`, checked. */
function shardOption(v: string): Shard {
  try {
    return parseShard(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Options every command that writes a report takes besides its format. */
interface ReportFileOptions {
  /** `-o, --output FILE`. */
  output?: string;
  /** `--color` (true), `--no-color` (false), or neither. */
  color?: boolean;
}

/** `-f, --format` with the formats the command offers, read from the reporter map. */
function formatOption(command: 'analyze' | 'scan' | 'check'): Option {
  return new Option('-f, --format <format>', 'output format').choices(formatsOf(command)).default('text');
}

/** The command's io with `--color` / `--no-color` applied (they win over NO_COLOR and FORCE_COLOR). */
function withColor(io: CliIo, opts: { color?: boolean }): CliIo {
  return { ...io, env: colorChoice(io.env, opts.color) };
}

/**
 * Refuse an option the chosen format does not take (`--ladder` draws on the text report): a
 * usage error, one line, exit 2, rather than an option silently ignored.
 */
function refuseFormatOptions(command: Command, format: ReporterName, opts: Partial<Record<FormatOption, unknown>>): void {
  const takes = REPORTERS[format].analyze?.takes ?? [];
  for (const option of ['ladder', 'brief'] as const) {
    if (!opts[option] || takes.includes(option)) continue;
    const formats = formatsOf('analyze').filter((name) => REPORTERS[name].analyze!.takes.includes(option));
    command.error(`error: option '--${option}' goes with --format ${formats.join(' or ')}, not ${format}`, { exitCode: EXIT_UNREADABLE, code: 'wirewhy.formatOption' });
  }
}

/** `--code`, `--rule`, `--severity` (analyze and scan). */
interface FilterOptions {
  code?: string[];
  rule?: string[];
  severity?: string;
}

/**
 * The filters the options ask for; a rule id no rule has or a code name no OS table knows is a
 * usage error (one line, exit 2) rather than a filter that silently matches nothing.
 */
async function refuseUnknownFilters(command: Command, opts: FilterOptions): Promise<FindingFilterSpec | undefined> {
  const [{ filterOfOptions, filterProblem }, { sanitizeForTerminal }] = await Promise.all([import('../rules/filter.js'), import('../report/terminal.js')]);
  const spec = filterOfOptions(opts);
  const problem = await filterProblem(spec);
  // The line quotes what was typed, which may hold any character.
  if (problem) command.error(`error: ${sanitizeForTerminal(problem)}`, { exitCode: EXIT_UNREADABLE, code: 'wirewhy.filterOption' });
  return spec;
}

/** Commander's accumulator for a repeatable option. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
