/**
 * README's recipes for clusters run as written: the Kubernetes Indexed Job's manifest is parsed
 * and its fields checked (kubectl is not needed), and its command runs here once per completion
 * index; the Spark pipe command runs once per shard label on its standard input; the GNU
 * parallel line runs (through parallel where it is installed, else one shard at a time). Each
 * merged report equals one scan of the same folder. `wirewhy` is a shim to the built command.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findTool } from '../helpers/tools.js';
import { BIN, ROOT, runBin } from './cli-run.js';
import { buildCorpus, type Corpus } from './corpus.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced block after `<!-- recipe: NAME -->`. */
function recipe(name: string): string {
  const m = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(README);
  if (!m) throw new Error(`README has no recipe "${name}"`);
  return m[1]!;
}

let corpus: Corpus;
let work: string;
let bin: string;
beforeAll(() => {
  corpus = buildCorpus(40);
  work = mkdtempSync(join(tmpdir(), 'wirewhy-recipes-'));
  bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'wirewhy'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'wirewhy'), 0o755);
});
afterAll(() => {
  rmSync(corpus.dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** Run a recipe's shell line here: /captures is the test folder, /results a fresh one. */
function sh(line: string, results: string, env: NodeJS.ProcessEnv = {}, input?: string): { code: number; out: string; err: string } {
  const local = line.replaceAll('/captures', corpus.dir).replaceAll('/results', results);
  const r = spawnSync('sh', ['-c', local], { encoding: 'utf8', input, cwd: results, env: { ...process.env, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}`, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function withoutTimes(text: string): string {
  return text.replace(/ in \d+\.\d s$/m, ' in T s').replace(/time="[\d.]+"/g, 'time="T"');
}

describe('README recipes for clusters', () => {
  it('Kubernetes Indexed Job: a valid manifest whose command, run for each index, merges to one scan', () => {
    const job = parse(recipe('kubernetes-job')) as Record<string, any>;
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(typeof job.metadata?.name).toBe('string');
    expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    const spec = job.spec;
    expect(spec.completionMode).toBe('Indexed');
    expect(Number.isInteger(spec.completions) && spec.completions > 0).toBe(true);
    expect(spec.parallelism).toBeLessThanOrEqual(spec.completions);
    expect(['Never', 'OnFailure']).toContain(spec.template.spec.restartPolicy);
    const [container, ...others] = spec.template.spec.containers;
    expect(others).toEqual([]);
    expect(typeof container.name).toBe('string');
    expect(typeof container.image).toBe('string');
    expect(container.command).toEqual(['sh', '-c']);
    expect(container.args).toHaveLength(1);
    const line: string = container.args[0];
    expect(line).toContain('JOB_COMPLETION_INDEX');
    expect(line).toContain(`/${spec.completions} `);
    // Every mount names a volume of the pod.
    const volumes = new Set(spec.template.spec.volumes.map((v: { name: string }) => v.name));
    for (const m of container.volumeMounts) expect(volumes.has(m.name), m.name).toBe(true);

    const results = join(work, 'k8s');
    mkdirSync(results);
    for (let i = 0; i < spec.completions; i++) {
      const r = sh(line, results, { JOB_COMPLETION_INDEX: String(i) });
      expect(r.code, r.err).toBe(0);
    }
    const merged = sh(recipe('kubernetes-merge'), results);
    const whole = runBin(['scan', corpus.dir, '-q']);
    expect(withoutTimes(readFileSync(join(results, 'report.txt'), 'utf8'))).toBe(withoutTimes(whole.out));
    expect(merged.code).toBe(whole.code);
  });

  it('Spark pipe: the piped command, given each shard label, merges to one scan', () => {
    const python = recipe('spark');
    const n = Number(/^N = (\d+)$/m.exec(python)![1]);
    const pipe = /\.pipe\("(.+?)"\)/.exec(python)![1]!;
    const outDir = /saveAsTextFile\("(.+?)"\)/.exec(python)![1]!;
    const results = join(work, 'spark-results');
    const parts = outDir.replace('/results', results);
    mkdirSync(parts, { recursive: true });
    for (let i = 1; i <= n; i++) {
      // A task's partition holds one label: the pipe writes it to the command's standard input.
      const r = sh(pipe, results, {}, `${i}/${n}\n`);
      expect(r.code, r.err).toBe(0);
      writeFileSync(join(parts, `part-${String(i - 1).padStart(5, '0')}`), r.out);
    }
    const r = sh(recipe('spark-merge'), results);
    const whole = runBin(['scan', corpus.dir, '-q', '--format', 'json']);
    expect(r.code).toBe(whole.code);
    expect(JSON.parse(readFileSync(join(results, 'scan.json'), 'utf8'))).toEqual(JSON.parse(whole.out));
  });

  it('GNU parallel: the shards and the merge, as written', () => {
    const [scanLine, mergeLine] = recipe('parallel').split('\n');
    const results = join(work, 'parallel');
    mkdirSync(results);
    const parallel = findTool('parallel');
    if (parallel !== null) expect(sh(scanLine!, results).code).toBe(0);
    else {
      // Without GNU parallel, its command template runs once per argument, as parallel would.
      const m = /^parallel --jobs \d+ '(.+)' ::: (.+)$/.exec(scanLine!)!;
      console.warn('GNU parallel is not installed: running its command template once per argument instead');
      for (const arg of m[2]!.split(' ')) expect(sh(m[1]!.replaceAll('{}', arg), results).code).toBe(0);
    }
    const r = sh(mergeLine!, results);
    expect(r.code).toBe(2); // the folder holds unreadable captures, as one scan of it says too
    const whole = runBin(['scan', corpus.dir, '-q', '--format', 'junit']);
    expect(whole.code).toBe(2);
    expect(withoutTimes(readFileSync(join(results, 'junit.xml'), 'utf8'))).toBe(withoutTimes(whole.out));
  });
});
