/**
 * What `--help` shows after each command's options: examples to copy and the exit statuses a
 * script or CI job can rely on (as `git help` and ESLint's `--help` end with them).
 */

const COMMON_EXIT = ['  2    bad usage, unreadable input, or the report could not be written'];

const HELP: Readonly<Record<string, { examples: string[]; exit: string[] }>> = {
  wirewhy: {
    examples: [
      '  wirewhy analyze capture.pcapng',
      '  wirewhy scan captures/ --format junit > wirewhy.xml',
      '  wirewhy explain 10061',
      '  wirewhy COMMAND --help        examples and exit statuses of one command',
    ],
    exit: ['  0    done', '  1    a finding reached --fail-on (check: findings differ)', ...COMMON_EXIT, '  130  a scan or check interrupted by Ctrl-C before every capture was analysed'],
  },
  analyze: {
    examples: [
      '  wirewhy analyze capture.pcapng',
      '  wirewhy analyze capture.pcapng --ladder       with ladder diagrams',
      '  wirewhy analyze capture.pcapng --code 10061   only that error code',
      '  wirewhy analyze capture.pcapng --format html > report.html',
      '  wirewhy analyze capture.pcap --fail-on error  for CI',
      '  tcpdump -i any -U --immediate-mode -w - | wirewhy analyze -',
    ],
    exit: ['  0    the capture was analysed', '  1    a finding reached --fail-on', ...COMMON_EXIT],
  },
  scan: {
    examples: [
      '  wirewhy scan captures/',
      '  wirewhy scan captures/ --format junit --fail-on error > wirewhy.xml',
      '  wirewhy scan a.pcap b.pcapng old/ --jobs 2',
      '  wirewhy scan captures/ --code 10061   only that code; also --rule, --severity',
    ],
    exit: [
      '  0    every capture was analysed',
      '  1    a finding reached --fail-on',
      '  2    a capture unreadable, nothing to analyse, bad usage (2 wins over 1)',
      '  130  interrupted (Ctrl-C): "analysed K of N"; the rest are errors in JUnit',
    ],
  },
  check: {
    examples: ['  wirewhy check fixtures/', '  wirewhy check fixtures/ --update   write NAME.expect.json beside each', '  wirewhy check fixtures/ --format junit > check.xml'],
    exit: [
      '  0    every capture matched its expectation',
      '  1    findings differ, or a capture has no expectation file',
      '  2    a capture unreadable, nothing to analyse, bad usage (2 wins over 1)',
      '  130  interrupted (Ctrl-C) before every capture was compared',
    ],
  },
  annotate: {
    examples: ['  wirewhy annotate capture.pcap -o annotated.pcapng', '  then in Wireshark: frame.comment contains "wirewhy"'],
    exit: ['  0    the annotated copy was written', ...COMMON_EXIT],
  },
  mcp: {
    examples: ['  wirewhy mcp                   started by an MCP client (stdio), not by hand'],
    exit: ['  0    the client closed the connection', ...COMMON_EXIT],
  },
  explain: {
    examples: ['  wirewhy explain 10061', '  wirewhy explain ECONNREFUSED', '  wirewhy explain "[Errno 111] Connection refused"', '  wirewhy explain --full 0x8007274D', '  wirewhy explain connection-refused'],
    exit: ['  0    the error or rule is known', '  2    nothing known about it, or bad usage'],
  },
};

/** The text after the options in `wirewhy [COMMAND] --help`; '' for a command without any. */
export function helpAfter(command: string): string {
  const h = HELP[command];
  if (!h) return '';
  return `\nExamples:\n${h.examples.join('\n')}\n\nExit status:\n${h.exit.join('\n')}\n`;
}
