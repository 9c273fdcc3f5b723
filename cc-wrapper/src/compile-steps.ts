/**
 * The two builds the wrapper performs: a single compile (`-c`/`-S` of one source) and
 * a link that may compile sources on the way. Each is a short list of real-compiler
 * runs; in the patched stage every unit's assembly goes through the differ first.
 */
import { copyFileSync, existsSync } from 'node:fs';
import type { Stage } from './env.js';
import type { CallPlan, InputToken } from './classify.js';
import { asmFileName } from './asm-names.js';
import { assembleArgv, compileToAsmArgv, linkArgv, linkSourceToAsmArgv } from './command-lines.js';
import { runCompiler } from './run-compiler.js';

export interface BuildContext {
  stage: Stage;
  compiler: string;
  /** Notes worth a line in the call log (e.g. "no original assembly"). */
  notes: string[];
  /** Tells the user something went unexpectedly (the CLI prints it on stderr). */
  warn: (message: string) => void;
}

type CompilePlan = Extract<CallPlan, { kind: 'compile' }>;
type LinkPlan = Extract<CallPlan, { kind: 'link' }>;

/** The assembly to build from, for a unit whose stage .s was just written next to `base`. */
async function unitAssembly(ctx: BuildContext, base: string, source: string): Promise<{ asm: string; keepDebug: boolean }> {
  const stageAsm = asmFileName(base, ctx.stage);
  if (ctx.stage === 'original') return { asm: stageAsm, keepDebug: true };
  const { carriesLineInfo, mergeAssembly } = await import('./merge-assembly.js');
  const merged = asmFileName(base, 'merged');
  const outcome = await mergeAssembly({ original: asmFileName(base, 'original'), patched: stageAsm, merged, source });
  const details = [outcome.originalMissing ? 'no original assembly: all new' : '', outcome.summary].filter((d) => d !== '');
  ctx.notes.push(`${source}: ${outcome.kind}${details.length > 0 ? ` (${details.join('; ')})` : ''}`);
  return { asm: merged, keepDebug: carriesLineInfo(outcome.text) };
}

export async function runCompile(ctx: BuildContext, plan: CompilePlan): Promise<number> {
  const stageAsm = asmFileName(plan.output, ctx.stage);
  warnIfNotBuiltByWrapper(ctx, plan.output);
  const code = runCompiler(ctx.compiler, compileToAsmArgv(plan.tokens, plan.source, stageAsm, plan.output));
  if (code !== 0) return code;
  const unit = await unitAssembly(ctx, plan.output, plan.source.path);
  if (plan.mode === 'assembly') {
    copyFileSync(unit.asm, plan.output);
    return 0;
  }
  return runCompiler(ctx.compiler, assembleArgv(plan.tokens, unit.asm, plan.output, unit.keepDebug));
}

export async function runLink(ctx: BuildContext, plan: LinkPlan, argv: readonly string[]): Promise<number> {
  const extra = ctx.stage === 'patched' ? ['-Wl,-q'] : [];
  // Objects only: the call is the user's own, plus -Wl,-q in the patched stage.
  if (plan.sources.length === 0) return runCompiler(ctx.compiler, [...argv, ...extra]);
  const asmOf = new Map<InputToken, string>();
  let keepDebug = true;
  for (const source of plan.sources) {
    const code = runCompiler(ctx.compiler, linkSourceToAsmArgv(plan.tokens, source, asmFileName(source.path, ctx.stage)));
    if (code !== 0) return code;
    const unit = await unitAssembly(ctx, source.path, source.path);
    asmOf.set(source, unit.asm);
    keepDebug &&= unit.keepDebug;
  }
  return runCompiler(ctx.compiler, linkArgv(plan.tokens, asmOf, extra, keepDebug));
}

/**
 * A missing original .s means "new file", but if the object already exists it was built
 * without the wrapper (a plain build that make found up to date): the merged assembly
 * then lacks the original code and the patch would not match the deployed binary.
 */
function warnIfNotBuiltByWrapper(ctx: BuildContext, output: string): void {
  if (ctx.stage !== 'patched' || existsSync(asmFileName(output, 'original')) || !existsSync(output)) return;
  const message = `${output} exists but has no original assembly: it was not built by tscare-cc in the original stage; the patch treats it as new code (rebuild from clean, e.g. tscare-patch-make --clean)`;
  ctx.warn(message);
  ctx.notes.push(`warning: ${message}`);
}
