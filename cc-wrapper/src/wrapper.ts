/** One call of tscare-cc / tscare-c++: decide, log, run. Returns the exit code. */
import type { WrapperEnv } from './env.js';
import type { CallPlan } from './classify.js';
import type { BuildContext } from './compile-steps.js';
import { logCall } from './call-log.js';
import { runCompiler } from './run-compiler.js';

/*
 * Start-up time is most of the wrapper's cost on small files, so each call loads only
 * what it needs: a call without a stage never loads the argv table or the build steps
 * (and only the patched stage loads the differ, see compile-steps.ts).
 */
export async function runWrapper(argv: readonly string[], env: WrapperEnv, warn: (message: string) => void): Promise<number> {
  if (env.stage.kind === 'pass-through') return passThrough(argv, env, env.stage.reason);
  const { classifyCall } = await import('./classify.js');
  const plan = classifyCall(argv);
  if (plan.kind === 'pass-through') return passThrough(argv, env, plan.reason);
  const { runCompile, runLink } = await import('./compile-steps.js');
  const ctx: BuildContext = { stage: env.stage.stage, compiler: env.realCompiler, notes: [], warn };
  let code = 1;
  try {
    code = plan.kind === 'compile' ? await runCompile(ctx, plan) : await runLink(ctx, plan, argv);
    return code;
  } finally {
    logCall(env.logFile, `${ctx.stage} ${describe(plan)} exit ${code}${ctx.notes.length > 0 ? `; ${ctx.notes.join('; ')}` : ''}`, argv);
  }
}

function passThrough(argv: readonly string[], env: WrapperEnv, reason: string): number {
  logCall(env.logFile, `pass-through (${reason})`, argv);
  return runCompiler(env.realCompiler, argv);
}

function describe(plan: Exclude<CallPlan, { kind: 'pass-through' }>): string {
  if (plan.kind === 'compile') return `compile${plan.mode === 'assembly' ? ' -S' : ''} ${plan.source.path} -> ${plan.output}`;
  return plan.sources.length === 0 ? 'link' : `compile+link ${plan.sources.map((s) => s.path).join(' ')}`;
}
