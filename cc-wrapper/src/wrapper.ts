/** One call of tscare-cc / tscare-c++: decide, log, run. Returns the exit code. */
import { basename } from 'node:path';
import { TscareError } from '@tscare/errors';
import type { WrapperEnv } from './env.js';
import type { CallPlan } from './classify.js';
import type { BuildContext } from './compile-steps.js';
import { logCall } from './call-log.js';
import { runCompiler } from './run-compiler.js';

/** What the wrapper learns from outside its argv and environment (main.ts fills it in). */
export interface CallSite {
  warn: (message: string) => void;
  /** Reads a response file; undefined when it cannot be read. */
  readText: (path: string) => string | undefined;
  /** The program that started this one (/proc/PPID/exe), when known. */
  parentExe: string | undefined;
}

/*
 * Start-up time is most of the wrapper's cost on small files, so each call loads only
 * what it needs: a call without a stage never loads the argv table or the build steps
 * (and only the patched stage loads the differ, see compile-steps.ts). In the one-file
 * bundle bin/ runs (scripts/bundle.mjs) these imports stay lazy: a module's body runs
 * when it is first imported.
 */
export async function runWrapper(argv: readonly string[], env: WrapperEnv, site: CallSite): Promise<number> {
  if (env.stage.kind === 'pass-through') return passThrough(argv, env, env.stage.reason);
  refuseCacheInFront(site.parentExe, argv, env);
  const { expandResponseFiles } = await import('./response-file.js');
  const expanded = expandResponseFiles(argv, site.readText);
  if (expanded.kind === 'unparsable') return passThrough(argv, env, expanded.reason);
  const { classifyCall } = await import('./classify.js');
  const plan = classifyCall(expanded.argv);
  if (plan.kind === 'pass-through') return passThrough(argv, env, plan.reason);
  const ctx: BuildContext = { stage: env.stage.stage, compiler: env.realCompiler, notes: [], warn: site.warn };
  if (expanded.files.length > 0) ctx.notes.push(`expanded ${expanded.files.map((f) => `@${f}`).join(' ')}`);
  let code = 1;
  try {
    code = await runPlan(ctx, plan, expanded.argv);
    return code;
  } finally {
    logCall(env.logFile, `${ctx.stage} ${describe(plan)} exit ${code}${ctx.notes.length > 0 ? `; ${ctx.notes.join('; ')}` : ''}`, argv);
  }
}

async function runPlan(ctx: BuildContext, plan: Exclude<CallPlan, { kind: 'pass-through' }>, argv: readonly string[]): Promise<number> {
  if (plan.kind === 'assembler') {
    const { runAssemblerSource } = await import('./asm-source.js');
    return runAssemblerSource(ctx, plan, argv);
  }
  const { runCompile, runLink } = await import('./compile-steps.js');
  return plan.kind === 'compile' ? runCompile(ctx, plan) : runLink(ctx, plan, argv);
}

/**
 * `CC="ccache tscare-cc"`: on a cache hit ccache hands back an object without running
 * the wrapper, so the original stage would leave no assembly for the patched stage to
 * diff against, and the patch would silently treat old code as new. So in a build stage
 * every call from ccache fails: ccache's preprocessor run (-E) failing makes it give up
 * on caching and run the wrapper itself (so the build is right, just uncached); in its
 * depend mode the compile fails with this error. ccache belongs behind the wrapper.
 */
function refuseCacheInFront(parentExe: string | undefined, argv: readonly string[], env: WrapperEnv): void {
  if (parentExe === undefined || !basename(parentExe).startsWith('ccache')) return;
  logCall(env.logFile, `refused: started by ${parentExe} (a cache in front of the wrapper)`, argv);
  throw new TscareError('CC_CACHE_IN_FRONT', `tscare-cc was started by ${parentExe}: a compiler cache in front of the wrapper answers cache hits without it, and the patch would miss the original code`, {
    hint: 'put ccache behind the wrapper: TSCARE_REAL_CC=/usr/lib/ccache/gcc (TSCARE_REAL_CXX=/usr/lib/ccache/g++), or PATH=/usr/lib/ccache:$PATH, with CC=tscare-cc',
  });
}

function passThrough(argv: readonly string[], env: WrapperEnv, reason: string): number {
  logCall(env.logFile, `pass-through (${reason})`, argv);
  return runCompiler(env.realCompiler, argv);
}

function describe(plan: Exclude<CallPlan, { kind: 'pass-through' }>): string {
  switch (plan.kind) {
    case 'compile':
      return `compile${plan.mode === 'assembly' ? ' -S' : ''} ${plan.units.map((u) => `${u.source.path} -> ${u.output}`).join(', ')}`;
    case 'assembler':
      return `assemble ${plan.unit.source.path} -> ${plan.unit.output} (hand-written, unchanged)`;
    case 'link':
      return plan.sources.length === 0 ? 'link' : `compile+link ${plan.sources.map((s) => s.path).join(' ')}`;
  }
}
