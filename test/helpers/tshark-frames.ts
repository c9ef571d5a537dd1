/**
 * What tshark says about each frame of a file, for comparing a capture with a copy of it: number,
 * time, lengths, a hash of the bytes, and the packet comments.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { TSHARK } from './tshark.js';

/** One frame as tshark shows it. */
export interface TsharkFrame {
  number: number;
  /** `frame.time_epoch` as printed (nanosecond digits). */
  timeEpoch: string;
  len: string;
  capLen: string;
  /** SHA-256 of the frame's bytes (`frame_raw`), hex. */
  bytes: string;
  /** `frame.comment`, in file order. */
  comments: string[];
}

type Layers = Record<string, unknown>;

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as string[]) : [v as string];
}

/** tshark's standard output; asynchronous, so several runs can share the cores. */
function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSHARK!, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    // A file cut short makes tshark exit 2 after printing the frames it read: keep those.
    child.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * Link and network layers tshark need not dissect: only frame-level fields are compared, and the
 * JSON of every layer's bytes made the corpus's largest files take a minute each.
 */
const FRAME_ONLY = ['eth', 'sll', 'null', 'ppp', 'raw', 'ip', 'ipv6', 'mpls', 'vlan'].flatMap((p) => ['--disable-protocol', p]);

/** Every frame of `file` as tshark reads it. */
export async function tsharkFrames(file: string): Promise<TsharkFrame[]> {
  // -x adds each frame's bytes (frame_raw); --no-duplicate-keys makes several comments an array.
  const out = await tshark(['-n', '-r', file, ...FRAME_ONLY, '-T', 'json', '-x', '--no-duplicate-keys', '-j', 'frame pkt_comment']);
  const packets = JSON.parse(out.trim() === '' ? '[]' : out) as Array<{ _source: { layers: Layers } }>;
  return packets.map(({ _source: { layers } }) => {
    const frame = layers.frame as Record<string, string>;
    const raw = layers.frame_raw as unknown[] | undefined;
    const comment = layers.pkt_comment as Record<string, unknown> | undefined;
    return {
      number: Number(frame['frame.number']),
      timeEpoch: frame['frame.time_epoch'] ?? '',
      len: frame['frame.len'] ?? '',
      capLen: frame['frame.cap_len'] ?? '',
      bytes: raw ? createHash('sha256').update(Buffer.from(String(raw[0]), 'hex')).digest('hex') : '',
      comments: asList(comment?.['frame.comment']),
    };
  });
}

/** Frame numbers a display filter on frame-level fields (frame.comment…) selects. */
export async function tsharkFilter(file: string, filter: string): Promise<number[]> {
  return (await tshark(['-n', '-r', file, ...FRAME_ONLY, '-Y', filter, '-T', 'fields', '-e', 'frame.number']))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}
