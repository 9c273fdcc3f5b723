/**
 * Runs the real compiler synchronously with the wrapper's stdio (spawnSync: the
 * cheapest way from Node, and the wrapper has nothing else to do meanwhile).
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { TscareError } from '@tscare/errors';
import type { RealCompiler } from './env.js';

/** The exit code a shell would report: the child's, or 128 + signal number. */
export function runCompiler(compiler: RealCompiler, argv: readonly string[]): number {
  const result = spawnSync(compiler.program, argv, { stdio: 'inherit', env: compiler.env });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new TscareError('CC_REAL_COMPILER_FAILED', `cannot run the real compiler ${compiler.program}: ${code ?? result.error.message}`, {
      hint: 'set TSCARE_REAL_CC (TSCARE_REAL_CXX for tscare-c++) to a compiler in PATH or an absolute path',
    });
  }
  if (result.signal !== null) return 128 + (constants.signals[result.signal] ?? 0);
  return result.status ?? 1;
}
