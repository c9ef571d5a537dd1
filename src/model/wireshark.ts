/** The words that take a finding back into Wireshark: its stream filter and a command that opens it. */

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

/**
 * The command that opens `file` in Wireshark at `frame` with `filter` applied:
 * `wireshark -r FILE -g FRAME -Y 'tcp.stream eq N'`.
 */
export function wiresharkCommand(file: string, frame: number, filter: string): string {
  // A name starting with "-" stays the argument of -r (getopt takes the next word whatever it is),
  // but "./" makes it plain to the reader too.
  const path = file.startsWith('-') ? `./${file}` : file;
  return `wireshark -r ${shellQuote(path)} -g ${frame} -Y ${shellQuote(filter)}`;
}
