/**
 * Hand-written assembly (`.s`, `.S`, `.sx` with `-c`). The differ works on compiler
 * output (functions with .type/.size, one section each); hand-written assembly has no
 * such structure, so it cannot be hot-patched. The real compiler builds it unchanged in
 * both stages (the object is then byte-identical to a plain build), and the wrapper
 * keeps its preprocessed text: a patch that changes it fails loudly here instead of
 * producing a .kpatch that silently leaves the change out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { TscareError } from '@tscare/errors';
import type { CallPlan } from './classify.js';
import type { BuildContext } from './compile-steps.js';
import { asmFileName } from './asm-names.js';
import { preprocessAsmArgv } from './command-lines.js';
import { runCompiler } from './run-compiler.js';
import { writeAtomically, writeTextAtomically } from './temp-files.js';

type AssemblerPlan = Extract<CallPlan, { kind: 'assembler' }>;

export function runAssemblerSource(ctx: BuildContext, plan: AssemblerPlan, argv: readonly string[]): number {
  const { source, output } = plan.unit;
  const stageText = asmFileName(output, ctx.stage);
  if (source.lang === 'assembler-with-cpp') {
    const code = writeAtomically(stageText, (temp) => runCompiler(ctx.compiler, preprocessAsmArgv(plan.tokens, source, temp)), (c) => c === 0);
    if (code !== 0) return code;
  } else {
    writeTextAtomically(stageText, readFileSync(source.path, 'utf8'));
  }
  if (ctx.stage === 'patched') checkUnchanged(ctx, source.path, output, stageText);
  return runCompiler(ctx.compiler, argv);
}

function checkUnchanged(ctx: BuildContext, source: string, output: string, patchedText: string): void {
  const original = asmFileName(output, 'original');
  if (!existsSync(original)) {
    throw new TscareError('CC_ASM_SOURCE_NEW', `${source} is assembly with no original-stage copy (${original}): new hand-written assembly cannot be hot-patched`, {
      hint: 'build the original stage with tscare-cc from clean (tscare-patch-make --clean), or move the new code into C',
    });
  }
  if (readFileSync(original, 'utf8') !== readFileSync(patchedText, 'utf8')) {
    throw new TscareError('CC_ASM_SOURCE_CHANGED', `${source} is hand-written assembly and the patch changes it: only compiler-generated code can be hot-patched`, {
      hint: `compare ${original} with ${patchedText}; move the fix into a C function`,
    });
  }
  ctx.notes.push(`${source}: assembly unchanged`);
}
