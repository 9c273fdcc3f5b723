#!/usr/bin/env node
/**
 * After tsc: bundles each wrapper CLI (dist/cli.js, dist/cli-cxx.js) with its imports
 * into one CommonJS file beside it (dist/cli.bundle.cjs, dist/cli-cxx.bundle.cjs), which
 * bin/tscare-cc and bin/tscare-c++ start. The wrapper runs once per compiled file, and
 * Node's ESM loader resolving and reading ~15 files cost ~14 ms of every call; one CJS
 * file costs ~1 ms (measured with bench/wrapper.mjs; see the README).
 *
 * The differ (@tscare/asm-diff) stays outside: only the patched stage loads it, through a
 * real import() at run time, so the bundle never holds a stale copy of it.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

for (const name of ['cli', 'cli-cxx']) {
  await build({
    entryPoints: [`${dist}${name}.js`],
    outfile: `${dist}${name}.bundle.cjs`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@tscare/asm-diff'],
    logLevel: 'warning',
  });
}
