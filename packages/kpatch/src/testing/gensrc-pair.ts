/**
 * Test support: an original/patched binary pair made the way a real build makes it. Both
 * sources are compiled with `-S`, the real tscare-gensrc merges the two (run as a command
 * through bin/, never imported: kpatch does not depend on the differ; `npm run build`
 * first), and the merged assembly is linked with -Wl,-q.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scratch } from './toolchain.js';

const GENSRC_CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bin', 'tscare-gensrc');

export interface GensrcPairOptions {
  /** `gcc` for C, `g++` for C++ (it also links libstdc++). */
  compiler: 'gcc' | 'g++';
  original: string;
  patched: string;
  flags: string[];
}

/** Builds `<name>` (original) and `<name>.patched` in the scratch directory. */
export function buildGensrcPair(s: Scratch, name: string, opts: GensrcPairOptions): { orig: string; patched: string } {
  if (!existsSync(GENSRC_CLI)) throw new Error(`${GENSRC_CLI} is missing: run npm run build at the top of the repository`);
  const ext = opts.compiler === 'g++' ? 'cpp' : 'c';
  const run = (args: string[]): void => void execFileSync(opts.compiler, [...opts.flags, ...args], { cwd: s.dir, stdio: 'pipe' });
  for (const [stage, source] of [['orig', opts.original], ['new', opts.patched]] as const) {
    s.write(`${name}.${stage}.${ext}`, source);
    run(['-S', '-o', `${name}.${stage}.s`, `${name}.${stage}.${ext}`]);
  }
  const g = spawnSync(GENSRC_CLI, ['-i', s.path(`${name}.orig.s`), '-i', s.path(`${name}.new.s`), '-o', s.path(`${name}.merged.s`)], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(`${name}: tscare-gensrc failed (${g.status}): ${g.stderr}`);
  run(['-o', name, `${name}.orig.s`]);
  run(['-o', `${name}.patched`, `${name}.merged.s`, '-Wl,-q']);
  return { orig: s.path(name), patched: s.path(`${name}.patched`) };
}
