/**
 * The package as someone outside this clone gets it: `npm pack`, then the tarball installed
 * globally into a temporary prefix (the `wirewhy` command) and as a dependency of a temporary
 * project (`import { analyzeFile } from 'wirewhy'`), each run from a folder that is not this clone.
 *
 * npm needs the registry only for the runtime dependencies (commander, cli-table3, wrap-ansi, the
 * MCP SDK and zod), taken from npm's cache when it has them (--prefer-offline).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/index.js';
import { ROOT } from '../scan/cli-run.js';

const FIXTURE = join(ROOT, 'fixtures/kernel/mix.pcap');
const NPM_TIMEOUT_MS = 170_000;

/**
 * The environment for npm: without the settings an outer `npm test` passes down that would
 * change where or what npm installs.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(global|location|prefix|dry_run|ignore_scripts|omit|include|production|only|save|package_lock)/i.test(key)) delete env[key];
  }
  return env;
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, env: { ...npmEnv(), NO_COLOR: '1' }, encoding: 'utf8', timeout: NPM_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

describe('the packed package, installed outside the clone', () => {
  let work: string;
  let tarball: string;
  let elsewhere: string;
  let expectedRules: string[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'wirewhy-package-'));
    // dist/ was just built by the test setup with the same build the prepare script runs, so
    // the pack skips building it again (a build takes most of a minute on a loaded machine).
    const packed = ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT), 'npm pack');
    const [{ filename }] = JSON.parse(packed) as { filename: string }[];
    tarball = join(work, filename);
    elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    copyFileSync(FIXTURE, join(elsewhere, 'mix.pcap'));
    const report = await analyzeFile(FIXTURE);
    expectedRules = report.findings.map((f) => f.rule);
  }, NPM_TIMEOUT_MS);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('contains the built program and library, and no sources, tests or source maps', () => {
    const listing = ok(run('tar', ['-tzf', tarball], work), 'tar').split('\n').filter(Boolean);
    expect(listing).toContain('package/bin/wirewhy.js');
    expect(listing).toContain('package/dist/cli/main.js');
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing.filter((p) => /^package\/(src|test|fixtures|scripts)\//.test(p) || p.endsWith('.map'))).toEqual([]);
  });

  it('npm install -g puts a working wirewhy on PATH', () => {
    const prefix = join(work, 'prefix');
    ok(run('npm', ['install', '-g', '--prefix', prefix, ...NPM_QUIET, tarball], elsewhere), 'npm install -g');
    const bin = join(prefix, 'bin', 'wirewhy');
    expect(existsSync(bin)).toBe(true);

    const version = ok(run(bin, ['--version'], elsewhere), 'wirewhy --version').trim();
    expect(version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

    const r = run(bin, ['analyze', 'mix.pcap', '--format', 'json'], elsewhere);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { findings: { rule: string }[] };
    expect(report.findings.map((f) => f.rule)).toEqual(expectedRules);
    expect(expectedRules.length).toBeGreaterThan(0);
  }, NPM_TIMEOUT_MS);

  it('another project can depend on it and import analyzeFile, without its devDependencies', () => {
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-wirewhy', version: '1.0.0', private: true, type: 'module' }));
    ok(run('npm', ['install', ...NPM_QUIET, tarball], project), 'npm install');
    const installed = readdirSync(join(project, 'node_modules'));
    expect(installed).toContain('wirewhy');
    for (const dev of ['typescript', 'vitest', 'tsx']) expect(installed).not.toContain(dev);

    writeFileSync(
      join(project, 'use.mjs'),
      [
        "import { analyzeFile } from 'wirewhy';",
        'const report = await analyzeFile(process.argv[2]);',
        'console.log(JSON.stringify(report.findings.map((f) => f.rule)));',
      ].join('\n'),
    );
    const r = run(process.execPath, [join(project, 'use.mjs'), join(elsewhere, 'mix.pcap')], project);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expectedRules);
  }, NPM_TIMEOUT_MS);
});
