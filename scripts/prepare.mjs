// The package's `prepare` script: builds dist/ (the JavaScript and type declarations the package
// ships) with the TypeScript compiler from devDependencies. npm runs it after `npm install` in a
// clone, before `npm pack`, and when it installs the package from a git URL into a project.
//
// A *global* install straight from git (`npm install -g <git url>`) cannot work with npm 11:
// npm installs the clone's dependencies with the global flag still set, so the clone gets no
// devDependencies, and that inner install also replaces the package's folder in the global
// prefix with a link to the temporary clone (npm/cli#8440). Instead of a bare "tsc: not found",
// say what works: pack from the git URL, then install the tarball globally.
//
// Plain JavaScript on purpose: it has to run before anything is built.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (process.env.npm_config_global === 'true') {
    console.error(
      'wirewhy: npm cannot build a package for a global install straight from git (npm/cli#8440).\n' +
        'Install it in two steps instead:  npm install -g "$(npm pack <git url> | tail -n 1)"',
    );
  } else {
    console.error('wirewhy: cannot build: the TypeScript compiler is missing (run npm install first)');
  }
  process.exit(1);
}
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
