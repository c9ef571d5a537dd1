/**
 * Read + decode only (no flows, no rules): the throughput of the capture reader and the
 * decoders on one file, from the built library. Prints one JSON line.
 *
 *   node --import tsx scripts/bench-decode.ts FILE
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The built code (what users run), typed by its sources.
const reader = (await import(pathToFileURL(join(root, 'dist/capture/reader.js')).href)) as typeof import('../src/capture/reader.js');
const decode = (await import(pathToFileURL(join(root, 'dist/decode/index.js')).href)) as typeof import('../src/decode/index.js');
const packet = (await import(pathToFileURL(join(root, 'dist/decode/packet.js')).href)) as typeof import('../src/decode/packet.js');

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: bench-decode FILE\n');
  process.exit(2);
}
/** Read and decode `path`; local bindings only, so nothing on the per-packet path is a module-level lookup. */
async function measure(path: string): Promise<Record<string, number>> {
  const { readCapture } = reader;
  const { decodeFrame } = decode;
  const pkt = packet.createPacket();
  const anomalies = new packet.AnomalyCounter();
  let tcp = 0;
  const started = performance.now();
  const result = await readCapture(path, (frame) => {
    decodeFrame(frame, pkt, anomalies);
    if (pkt.l4 === 6) tcp++;
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, packets: result.packets, bytes: result.bytes, tcp, maxRssKiB: process.resourceUsage().maxRSS };
}

process.stdout.write(JSON.stringify(await measure(file)) + '\n');
