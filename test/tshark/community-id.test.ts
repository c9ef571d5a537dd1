/**
 * Our Community ID equals tshark's (its "communityid" post-dissector, tshark 4.0's field of the same
 * name) on every listed conversation of every fixture and of every readable capture of the public
 * corpus; every finding carries its conversation's, and a finding about ICMP messages outside any
 * conversation the ID tshark gives those messages.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze.js';
import type { AnalysisReport } from '../../src/report/types.js';
import { capturesUnder, FIXTURES, PUBLIC_CAPTURES, publicManifest } from '../helpers/fixtures.js';
import { canRun } from '../helpers/tools.js';
import { TSHARK } from '../helpers/tshark.js';

const run = canRun('tshark', TSHARK !== null, 'apt-get install -y tshark');
const corpus = run && canRun('the public capture corpus', existsSync(join(PUBLIC_CAPTURES, 'MANIFEST.tsv')), `expected at ${PUBLIC_CAPTURES}`);

/**
 * Captures whose stream numbers differ from Wireshark's on purpose (test/public explains why):
 * there a conversation is matched by its Community ID being one tshark printed, not by its stream.
 */
const STREAM_EXCEPTIONS = new Set(['zeek_vlan-collisions.pcap', 'cs_ppa1e_evilprogram.pcap']);

/**
 * tshark's Community IDs per stream ("tcp 3" → IDs). ICMP errors are left out: tshark gives them
 * the stream of the packet they quote but the Community ID of the ICMP message itself.
 */
function tsharkIds(file: string): { byStream: Map<string, Set<string>>; all: Set<string> } {
  const out = execFileSync(
    TSHARK!,
    ['-n', '-r', file, '--enable-protocol', 'communityid', '-Y', '!icmp && !icmpv6', '-T', 'fields', '-E', 'separator=\t', '-e', 'tcp.stream', '-e', 'udp.stream', '-e', 'communityid'],
    { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const byStream = new Map<string, Set<string>>();
  const all = new Set<string>();
  for (const line of out.split('\n')) {
    const [tcp, udp, id] = line.split('\t');
    if (!id) continue;
    all.add(id);
    const key = tcp ? `tcp ${tcp}` : udp ? `udp ${udp}` : null;
    if (!key) continue;
    const ids = byStream.get(key) ?? new Set<string>();
    ids.add(id);
    byStream.set(key, ids);
  }
  return { byStream, all };
}

/** tshark's Community ID of each ICMP and ICMPv6 frame, by frame number. */
function tsharkIcmpIds(file: string): Map<number, string> {
  const out = execFileSync(TSHARK!, ['-n', '-r', file, '--enable-protocol', 'communityid', '-Y', 'icmp || icmpv6', '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.number', '-e', 'communityid'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ids = new Map<number, string>();
  for (const line of out.split('\n')) {
    const [frame, id] = line.split('\t');
    if (frame && id) ids.set(Number(frame), id);
  }
  return ids;
}

/**
 * Differences between our conversations' and findings' IDs and tshark's; the number compared, and
 * the number tshark computes no ID for: conversations seen only quoted inside ICMP errors, and
 * UDP tunnels (Teredo) whose every packet carries ICMPv6, for which tshark hashes the inner packet.
 */
function compare(report: AnalysisReport, file: string, byStreamNumber: boolean): { diffs: string[]; compared: number; uncomputed: number } {
  const theirs = tsharkIds(file);
  const diffs: string[] = [];
  let compared = 0;
  let uncomputed = 0;
  for (const s of report.conversations?.spans ?? []) {
    const key = `${s.protocol} ${s.stream}`;
    const ids = theirs.byStream.get(key);
    if (byStreamNumber && ids === undefined) {
      uncomputed++;
      continue;
    }
    compared++;
    if (byStreamNumber ? !(ids?.size === 1 && ids.has(s.communityId)) : !theirs.all.has(s.communityId)) {
      if (diffs.length < 10) diffs.push(`${key} ${s.client.address}:${s.client.port} → ${s.server.address}:${s.server.port}: ours ${s.communityId}, tshark ${JSON.stringify([...(ids ?? [])])}`);
    }
  }
  // A finding's ID is its conversation's.
  const spanIds = new Map((report.conversations?.spans ?? []).map((s) => [`${s.protocol} ${s.stream}`, s.communityId]));
  const icmpIds = report.findings.some((f) => f.protocol === 'icmp') ? tsharkIcmpIds(file) : new Map<number, string>();
  for (const f of report.findings) {
    // ARP is below IP: no ID. A scan or flood spans many conversations: no one conversation's ID.
    if (f.protocol === 'arp') {
      if (f.communityId !== undefined) diffs.push(`ARP finding ${f.rule} frames ${f.frames.join(',')}: ${f.communityId}`);
      continue;
    }
    if (f.communityId === undefined && (f.rule === 'port-scan' || f.rule === 'syn-flood')) continue;
    // ICMP messages of no conversation: the ID tshark gives the message (an error: the error's own).
    if (f.protocol === 'icmp') {
      compared++;
      const theirsOf = f.frames.map((n) => icmpIds.get(n));
      if (f.communityId === undefined || !theirsOf.includes(f.communityId)) diffs.push(`finding ${f.rule} frames ${f.frames.join(',')}: ${f.communityId}, tshark ${JSON.stringify(theirsOf)}`);
      continue;
    }
    const listed = spanIds.get(`${f.protocol} ${f.stream}`);
    if (listed !== undefined && listed !== f.communityId) diffs.push(`finding ${f.rule} on ${f.protocol}.stream ${f.stream}: ${f.communityId}, its conversation ${listed}`);
  }
  return { diffs, compared, uncomputed };
}

describe.skipIf(!run)('Community ID equals tshark on every fixture', () => {
  const files = capturesUnder(FIXTURES);
  let total = 0;
  let none = 0;
  for (const file of files) {
    it(file.slice(FIXTURES.length + 1), async () => {
      const report = await analyzeCapture(file, { conversations: true });
      const { diffs, compared, uncomputed } = compare(report, file, true);
      expect(diffs).toEqual([]);
      total += compared;
      none += uncomputed;
    });
  }
  it('compared conversations', () => {
    console.info(`Community ID: ${total} fixture conversations equal tshark's; ${none} without one from tshark (seen only inside ICMP errors)`);
    expect(total).toBeGreaterThan(50);
    expect(none).toBeLessThan(total / 10);
  });
});

describe.skipIf(!corpus)('Community ID equals tshark on the public corpus', () => {
  const manifest = corpus ? publicManifest() : new Map<string, Record<string, string>>();
  let total = 0;
  let none = 0;
  for (const [name, row] of manifest) {
    if (name.startsWith('malformed/') || row.read_error) continue;
    it(name, async () => {
      const file = join(PUBLIC_CAPTURES, name);
      const report = await analyzeCapture(file, { conversations: true });
      const { diffs, compared, uncomputed } = compare(report, file, !STREAM_EXCEPTIONS.has(name));
      expect(diffs).toEqual([]);
      total += compared;
      none += uncomputed;
    }, 120_000);
  }
  it('compared conversations', () => {
    console.info(`Community ID: ${total} public-corpus conversations equal tshark's; ${none} without one from tshark (seen only inside ICMP errors, or Teredo carrying ICMPv6)`);
    expect(total).toBeGreaterThan(1000);
    expect(none).toBeLessThan(total / 10);
  });
});
