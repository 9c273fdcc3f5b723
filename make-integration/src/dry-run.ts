/**
 * The total for the progress line: `make -n` with the same goals and variables lists the
 * compiler calls make would run now (after the patch: only the touched files), and the
 * source files named on the wrapper's lines are counted. It is an estimate (a recipe may
 * hide its compiler behind a script); when make -n fails or times out the total is
 * unknown and the progress shows the count alone (also when make -n names no compile:
 * the recipes then call the compiler in some way this cannot see).
 */
import { execa } from 'execa';
import type { MakeSetup } from './make-runner.js';
import { makefileArgs } from './make-runner.js';

/** A dry run that takes longer than this is not worth waiting for. */
const DRY_RUN_TIMEOUT_MS = 30_000;

/** A build configured with the wrapper by name (CMake's CMAKE_C_COMPILER=tscare-cc). */
const WRAPPER_NAMES = ['tscare-cc', 'tscare-c++'];

const SOURCE_TOKEN = /(?:^|\s)['"]?[^\s'"]+\.(?:c|cc|cp|cxx|cpp|CPP|c\+\+|C|s|S|sx)['"]?(?=\s|$)/g;

/** Source files named on the lines of `dryRunOutput` that call one of the wrappers. */
export function countSourcesInDryRun(dryRunOutput: string, wrappers: readonly string[]): number {
  let n = 0;
  for (const line of dryRunOutput.split('\n')) {
    if (!wrappers.some((w) => line.includes(w))) continue;
    // Only the part after the wrapper: an `echo foo.c` before it is not a compile.
    const at = Math.min(...wrappers.map((w) => line.indexOf(w)).filter((i) => i >= 0));
    n += line.slice(at).match(SOURCE_TOKEN)?.length ?? 0;
  }
  return n;
}

export async function estimateCompiles(setup: MakeSetup, args: readonly string[], wrappers: readonly string[]): Promise<number | undefined> {
  if (setup.signal.aborted) return undefined;
  const result = await execa(setup.command, [...makefileArgs(setup.cwd), '-n', ...args], {
    cwd: setup.cwd,
    env: setup.env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: DRY_RUN_TIMEOUT_MS,
    cancelSignal: setup.signal,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.failed) return undefined;
  // Nothing found usually means the recipes call the compiler some other way: unknown.
  const n = countSourcesInDryRun(String(result.stdout), [...wrappers, ...WRAPPER_NAMES]);
  return n === 0 ? undefined : n;
}
