/** The words that take a finding back into Wireshark: its stream filter and a command that opens it. */
import type { Finding } from './finding.js';

/** Wireshark's short display filter for one conversation: "tcp.stream eq 3". */
export function streamFilter(protocol: 'tcp' | 'udp', stream: number): string {
  return `${protocol}.stream eq ${stream}`;
}

/**
 * `word` quoted for a POSIX shell: unchanged when it holds only characters no shell treats
 * specially, else in single quotes (inside which only the quote itself needs care: `'\''`).
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The words (argv) as one line that a POSIX shell reads back as those same words. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/**
 * The words (argv) of the command that opens `file` in Wireshark at `frame` with `filter`
 * applied: `wireshark -r FILE -g FRAME -Y FILTER`.
 */
export function wiresharkWords(file: string, frame: number, filter: string): string[] {
  // A name starting with "-" stays the argument of -r (getopt takes the next word whatever it is),
  // but "./" makes it plain to the reader too.
  const path = file.startsWith('-') ? `./${file}` : file;
  return ['wireshark', '-r', path, '-g', String(frame), '-Y', filter];
}

/**
 * The words that open a finding read from `file`: at its first evidence frame, with its stream
 * filter where it has one, else its address filter; undefined when it has no frame. The engine
 * makes the finding's `wireshark` command of these words, and the text report breaks it between them.
 */
export function findingWiresharkWords(file: string, finding: Pick<Finding, 'frames' | 'streamFilter' | 'filter'>): string[] | undefined {
  const frame = finding.frames[0];
  return frame === undefined ? undefined : wiresharkWords(file, frame, finding.streamFilter ?? finding.filter);
}

/** The command (one shell line) that opens `file` in Wireshark at `frame` with `filter` applied. */
export function wiresharkCommand(file: string, frame: number, filter: string): string {
  return shellCommand(wiresharkWords(file, frame, filter));
}
