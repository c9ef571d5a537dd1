import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findingWiresharkWords, shellCommand, wiresharkCommand, wiresharkWords } from '../../src/model/wireshark.js';

/** The words a POSIX shell makes of `line`. */
function shellReads(line: string): string[] {
  return execFileSync('sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' }).split('\n').slice(0, -1);
}

describe('the command that opens a finding in Wireshark', () => {
  it('is its words, quoted so that a shell reads back the same words', () => {
    for (const file of ['capture.pcap', "my captures/it's.pcap", 'a$b`c`"d"\\e.pcap', '-starts-with-dash.pcap']) {
      const words = wiresharkWords(file, 7, 'tcp.stream eq 2');
      expect(shellReads(shellCommand(words)), file).toEqual(words);
      expect(wiresharkCommand(file, 7, 'tcp.stream eq 2')).toBe(shellCommand(words));
    }
  });

  it('keeps a file name starting with "-" from reading as an option', () => {
    expect(wiresharkWords('-x.pcap', 1, 'frame')).toEqual(['wireshark', '-r', './-x.pcap', '-g', '1', '-Y', 'frame']);
  });

  it('opens a finding at its first frame, with its stream filter, else its address filter', () => {
    expect(findingWiresharkWords('c.pcap', { frames: [4, 9], streamFilter: 'udp.stream eq 1', filter: 'ip.addr == 10.0.0.1' })).toEqual(['wireshark', '-r', 'c.pcap', '-g', '4', '-Y', 'udp.stream eq 1']);
    expect(findingWiresharkWords('c.pcap', { frames: [5], filter: 'icmp && ip.addr == 10.0.0.1' })).toEqual(['wireshark', '-r', 'c.pcap', '-g', '5', '-Y', 'icmp && ip.addr == 10.0.0.1']);
    expect(findingWiresharkWords('c.pcap', { frames: [], filter: 'x' })).toBeUndefined();
  });
});
