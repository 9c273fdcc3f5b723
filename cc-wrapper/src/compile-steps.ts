/**
 * The two builds the wrapper performs: a compile (`-c`/`-S` of sources) and a link that
 * may compile sources on the way. Each is a short list of real-compiler runs; in the
 * patched stage every unit's assembly goes through the differ first.
 */
import { copyFileSync, existsSync } from 'node:fs';
import type { RealCompiler, Stage } from './env.js';
import type { CallPlan, CompileUnit, InputToken } from './classify.js';
import { asmFileName, linkUnitBase, reportFileName } from './asm-names.js';
import { assembleArgv, compileToAsmArgv, linkArgv, linkSourceToAsmArgv } from './command-lines.js';
import { runCompiler } from './run-compiler.js';
import { writeAtomically } from './temp-files.js';

export interface BuildContext {
  stage: Stage;
  compiler: RealCompiler;
  /** Notes worth a line in the call log (e.g. "no original assembly"). */
  notes: string[];
  /** Tells the user something went unexpectedly (the CLI prints it on stderr). */
  warn: (message: string) => void;
}

type CompilePlan = Extract<CallPlan, { kind: 'compile' }>;
type LinkPlan = Extract<CallPlan, { kind: 'link' }>;

/** Runs the real compiler to write `asm` through a temporary name (see temp-files.ts). */
function compileAsm(ctx: BuildContext, asm: string, argvFor: (out: string) => string[]): number {
  return writeAtomically(asm, (temp) => runCompiler(ctx.compiler, argvFor(temp)), (code) => code === 0);
}

/** The assembly to build from, for a unit whose stage .s was just written next to `base`. */
async function unitAssembly(ctx: BuildContext, base: string, source: string, output: string): Promise<{ asm: string; keepDebug: boolean }> {
  const stageAsm = asmFileName(base, ctx.stage);
  if (ctx.stage === 'original') return { asm: stageAsm, keepDebug: true };
  const { carriesLineInfo, mergeAssembly } = await import('./merge-assembly.js');
  const merged = asmFileName(base, 'merged');
  const outcome = await mergeAssembly({ original: asmFileName(base, 'original'), patched: stageAsm, merged, report: reportFileName(base), output, source });
  const details = [outcome.originalMissing ? 'no original assembly: all new' : '', outcome.summary].filter((d) => d !== '');
  ctx.notes.push(`${source}: ${outcome.kind}${details.length > 0 ? ` (${details.join('; ')})` : ''}`);
  return { asm: merged, keepDebug: carriesLineInfo(outcome.text) };
}

export async function runCompile(ctx: BuildContext, plan: CompilePlan): Promise<number> {
  for (const unit of plan.units) {
    const code = await compileUnit(ctx, plan, unit);
    if (code !== 0) return code;
  }
  return 0;
}

async function compileUnit(ctx: BuildContext, plan: CompilePlan, { source, output }: CompileUnit): Promise<number> {
  warnIfNotBuiltByWrapper(ctx, output);
  const code = compileAsm(ctx, asmFileName(output, ctx.stage), (temp) => compileToAsmArgv(plan.tokens, source, temp, output));
  if (code !== 0) return code;
  const unit = await unitAssembly(ctx, output, source.path, output);
  if (plan.mode === 'assembly') {
    writeAtomically(output, (temp) => copyFileSync(unit.asm, temp));
    return 0;
  }
  return runCompiler(ctx.compiler, assembleArgv(plan.tokens, unit.asm, output, unit.keepDebug));
}

export async function runLink(ctx: BuildContext, plan: LinkPlan, argv: readonly string[]): Promise<number> {
  const extra = ctx.stage === 'patched' ? ['-Wl,-q'] : [];
  // Objects only: the call is the user's own, plus -Wl,-q in the patched stage.
  if (plan.sources.length === 0) return runCompiler(ctx.compiler, [...argv, ...extra]);
  const asmOf = new Map<InputToken, string>();
  let keepDebug = true;
  for (const [index, source] of plan.sources.entries()) {
    const base = linkUnitBase(plan.output, index, source.path);
    const code = compileAsm(ctx, asmFileName(base, ctx.stage), (temp) => linkSourceToAsmArgv(plan.tokens, source, temp));
    if (code !== 0) return code;
    const unit = await unitAssembly(ctx, base, source.path, plan.output);
    asmOf.set(source, unit.asm);
    keepDebug &&= unit.keepDebug;
  }
  return runCompiler(ctx.compiler, linkArgv(plan.tokens, asmOf, extra, keepDebug));
}

/**
 * A missing original .s means "new file", but if the object already exists it was built
 * without the wrapper (a plain build that make found up to date, or a cache in front of
 * the wrapper that answered without running it): the merged assembly then lacks the
 * original code and the patch would not match the deployed binary.
 */
function warnIfNotBuiltByWrapper(ctx: BuildContext, output: string): void {
  if (ctx.stage !== 'patched' || existsSync(asmFileName(output, 'original')) || !existsSync(output)) return;
  const message = `${output} exists but has no original assembly: it was not built by tscare-cc in the original stage; the patch treats it as new code (rebuild from clean, e.g. tscare-patch-make --clean)`;
  ctx.warn(message);
  ctx.notes.push(`warning: ${message}`);
}
