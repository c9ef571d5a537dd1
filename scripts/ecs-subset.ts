/**
 * Derives test/report/ecs-fields.json, the ECS field definitions `--format ecs` uses (type, level,
 * normalisation, allowed values and, for event.category, the event types each category expects),
 * from Elastic's own generated/ecs/ecs_flat.yml in a clone of github.com/elastic/ecs. Only those
 * facts are kept, never the descriptions: the test validates every document against them.
 *
 *   npx tsx scripts/ecs-subset.ts PATH-TO-ECS-CLONE [TAG]     (TAG defaults to v9.4.0)
 *
 * PATH may be a checkout or a bare git directory; the file is read at TAG with `git show`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ECS_VERSION } from '../src/report/ecs.js';

/** Every ECS field the reporter writes (src/report/ecs.ts); the script fails on one ECS lacks. */
const USED = [
  '@timestamp',
  'message',
  'ecs.version',
  'event.kind',
  'event.category',
  'event.type',
  'event.outcome',
  'event.action',
  'event.module',
  'event.dataset',
  'event.start',
  'event.end',
  'event.duration',
  'log.level',
  'error.code',
  'error.message',
  'error.type',
  'rule.name',
  'rule.description',
  'rule.ruleset',
  'network.transport',
  'network.type',
  'network.iana_number',
  'network.protocol',
  'network.community_id',
  'network.vlan.id',
  'network.inner.vlan.id',
  'source.address',
  'source.ip',
  'source.port',
  'destination.address',
  'destination.ip',
  'destination.port',
  'related.ip',
];

interface FlatField {
  type: string;
  level: string;
  normalize?: string[];
  required?: boolean;
  allowed_values?: Array<{ name: string; expected_event_types?: string[] }>;
}

/** What the test needs of one field. */
interface FieldFacts {
  type: string;
  level: string;
  array: boolean;
  required?: true;
  allowed?: string[];
  expectedEventTypes?: Record<string, string[]>;
}

const [repo, tag = `v${ECS_VERSION}`] = process.argv.slice(2);
if (!repo) {
  console.error('usage: npx tsx scripts/ecs-subset.ts PATH-TO-ECS-CLONE [TAG]');
  process.exit(2);
}
if (tag !== `v${ECS_VERSION}`) console.warn(`note: src/report/ecs.ts writes ecs.version ${ECS_VERSION}; update ECS_VERSION to match ${tag}`);

const text = execFileSync('git', ['-C', repo, 'show', `${tag}:generated/ecs/ecs_flat.yml`], { encoding: 'utf8', maxBuffer: 1 << 28 });
const flat = parse(text) as Record<string, FlatField>;

const facts = (f: FlatField): FieldFacts => ({
  type: f.type,
  level: f.level,
  array: (f.normalize ?? []).includes('array'),
  ...(f.required ? { required: true as const } : {}),
  ...(f.allowed_values ? { allowed: f.allowed_values.map((v) => v.name) } : {}),
  ...(f.allowed_values?.some((v) => v.expected_event_types)
    ? { expectedEventTypes: Object.fromEntries(f.allowed_values.map((v) => [v.name, v.expected_event_types ?? []])) }
    : {}),
});

const fields: Record<string, FieldFacts> = {};
const missing: string[] = [];
// The fields ECS requires in every event come along whether we use them or not, so the test checks them.
const required = Object.keys(flat).filter((name) => flat[name]!.required);
for (const name of [...new Set([...USED, ...required])].sort()) {
  const f = flat[name];
  if (!f) missing.push(name);
  else fields[name] = facts(f);
}
if (missing.length > 0) {
  console.error(`not ECS fields at ${tag}: ${missing.join(', ')}`);
  process.exit(1);
}

const out = join(import.meta.dirname, '..', 'test', 'report', 'ecs-fields.json');
const subset = { source: `github.com/elastic/ecs ${tag} generated/ecs/ecs_flat.yml (derived by scripts/ecs-subset.ts)`, version: tag.replace(/^v/, ''), fields };
writeFileSync(out, `${JSON.stringify(subset, null, 2)}\n`);
console.log(`${out}: ${Object.keys(fields).length} fields`);
