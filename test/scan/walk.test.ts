/** Finding captures: by first bytes, through gzip, and through symbolic-link loops. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyFile, findCaptures } from '../../src/scan/walk.js';
import { writePcapng } from '../../dev/pcap-writer.js';
import { refusedRecords } from './corpus.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirewhy-walk-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('classifyFile', () => {
  it('tells captures by their first bytes, whatever the name', () => {
    const pcap = refusedRecords(1).toPcap();
    writeFileSync(join(dir, 'a.txt'), pcap);
    writeFileSync(join(dir, 'b'), writePcapng(refusedRecords(2).records));
    writeFileSync(join(dir, 'c.pcap'), 'not a capture at all');
    writeFileSync(join(dir, 'd.pcap'), Buffer.from([0xd4, 0xc3]));
    expect(classifyFile(join(dir, 'a.txt'))).toEqual({ kind: 'pcap' });
    expect(classifyFile(join(dir, 'b'))).toEqual({ kind: 'pcapng' });
    expect(classifyFile(join(dir, 'c.pcap'))).toEqual({ reason: 'not a capture' });
    expect(classifyFile(join(dir, 'd.pcap'))).toEqual({ reason: 'too short to be a capture' });
    writeFileSync(join(dir, 'e.pcap'), '');
    expect(classifyFile(join(dir, 'e.pcap'))).toEqual({ reason: 'empty file' });
  });

  it('looks inside gzip: a compressed capture is one, compressed text is not', () => {
    writeFileSync(join(dir, 'x.gz'), gzipSync(writePcapng(refusedRecords(1).records)));
    writeFileSync(join(dir, 'y.gz'), gzipSync(Buffer.from('hello '.repeat(100_000))));
    expect(classifyFile(join(dir, 'x.gz'))).toEqual({ kind: 'gzip' });
    expect(classifyFile(join(dir, 'y.gz'))).toEqual({ reason: 'gzip of something that is not a capture' });
  });
});

describe('findCaptures', () => {
  it('walks nested folders in name order and ends on symbolic-link loops', async () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'one.pcap'), refusedRecords(1).toPcap());
    writeFileSync(join(dir, 'a', 'two.pcap'), refusedRecords(2).toPcap());
    writeFileSync(join(dir, 'notes.md'), '# notes');
    symlinkSync('..', join(dir, 'a', 'b', 'parent'));
    symlinkSync(dir, join(dir, 'a', 'root'));
    symlinkSync(join(dir, 'a', 'two.pcap'), join(dir, 'same-file.pcap'));
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
    const r = await findCaptures([dir, join(dir, 'a')]);
    expect(r.captures.map((c) => c.path)).toEqual([join(dir, 'a', 'b', 'one.pcap'), join(dir, 'a', 'two.pcap')]);
    expect(r.skipped.map((s) => s.path).sort()).toEqual([join(dir, 'dangling'), join(dir, 'notes.md')]);
    expect(r.errors).toEqual([]);
  });

  it('skips symbolic links that lead back to themselves, as it skips broken ones', async () => {
    writeFileSync(join(dir, 'one.pcap'), refusedRecords(1).toPcap());
    symlinkSync('selfref', join(dir, 'selfref'));
    symlinkSync('ping', join(dir, 'pong'));
    symlinkSync('pong', join(dir, 'ping'));
    symlinkSync('missing', join(dir, 'dangling'));
    const r = await findCaptures([dir]);
    expect(r.errors).toEqual([]);
    expect(r.captures.map((c) => c.path)).toEqual([join(dir, 'one.pcap')]);
    expect(r.skipped).toEqual([
      { path: join(dir, 'dangling'), reason: 'broken symbolic link' },
      { path: join(dir, 'ping'), reason: 'symbolic link loop' },
      { path: join(dir, 'pong'), reason: 'symbolic link loop' },
      { path: join(dir, 'selfref'), reason: 'symbolic link loop' },
    ]);
  });

  it('a link loop named on the command line is an error, as a missing path is', async () => {
    symlinkSync('selfref', join(dir, 'selfref'));
    const r = await findCaptures([join(dir, 'selfref')]);
    expect(r.errors).toEqual([{ path: join(dir, 'selfref'), message: 'symbolic link loop' }]);
  });

  it('walks a folder cycle (sub/up -> ..) once, whichever end it starts from', async () => {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'top.pcap'), refusedRecords(1).toPcap());
    writeFileSync(join(dir, 'sub', 'inner.pcap'), refusedRecords(2).toPcap());
    symlinkSync('..', join(dir, 'sub', 'up'));
    const fromTop = await findCaptures([dir]);
    expect(fromTop.captures.map((c) => c.path)).toEqual([join(dir, 'sub', 'inner.pcap'), join(dir, 'top.pcap')]);
    expect(fromTop.skipped).toEqual([]);
    expect(fromTop.errors).toEqual([]);
    // From the inner folder the link leads up to the top, which holds the inner folder again.
    const fromInner = await findCaptures([join(dir, 'sub')]);
    expect(fromInner.captures.map((c) => c.path)).toEqual([join(dir, 'sub', 'inner.pcap'), join(dir, 'sub', 'up', 'top.pcap')]);
    expect(fromInner.errors).toEqual([]);
  });

  it('a file that is not a capture is skipped inside a folder, but an error when named', async () => {
    writeFileSync(join(dir, 'empty.pcap'), '');
    writeFileSync(join(dir, 'notes.md'), '# notes');
    const inFolder = await findCaptures([dir]);
    expect(inFolder.errors).toEqual([]);
    expect(inFolder.skipped).toEqual([
      { path: join(dir, 'empty.pcap'), reason: 'empty file' },
      { path: join(dir, 'notes.md'), reason: 'not a capture' },
    ]);
    const named = await findCaptures([join(dir, 'empty.pcap'), join(dir, 'notes.md')]);
    expect(named.skipped).toEqual([]);
    expect(named.errors).toEqual([
      { path: join(dir, 'empty.pcap'), message: 'empty file' },
      { path: join(dir, 'notes.md'), message: 'not a capture' },
    ]);
  });

  it('a path that does not exist is an error', async () => {
    const r = await findCaptures([join(dir, 'nope')]);
    expect(r.errors).toEqual([{ path: join(dir, 'nope'), message: 'no such file or directory' }]);
  });
});
