/** Where a command writes, so tests can run the program in-process. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The real process streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Exit statuses: 0 analysed, 1 findings reached --fail-on (or expectations differ), 2 bad usage or unreadable input. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_UNREADABLE = 2;

/** Should output be coloured? Only on a TTY, never with NO_COLOR (https://no-color.org). */
export function useColor(io: CliIo, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return !!io[stream].isTTY;
}

/** Can the terminal show Unicode? Not when NO_COLOR asks for plain output or the locale is not UTF-8. */
export function useUnicode(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const locale = io.env.LC_ALL || io.env.LC_CTYPE || io.env.LANG || '';
  if (locale === '') return true;
  return /utf-?8/i.test(locale);
}
