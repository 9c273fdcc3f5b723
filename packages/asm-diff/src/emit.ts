/**
 * Text emitted into the merged file: `.kpatch` copies of patched-file blocks and the
 * `.kpatch.info` entries, with the section names and label conventions of LibcarePlus.
 */
import { isSectionDirective, mapSymbols, type Block, type Statement } from 'gnu-as-parser';
import { isIgnorable } from './ignorable.js';
import { statementsOf, type FileModel } from './model.js';
import type { RenameFn } from './naming.js';

/** Emission state for one output file, passed along (never global). */
export interface EmitContext {
  readonly pageShift: number;
  /** Whether `.kpatch.data` has been opened (it gets `.p2align pageShift` the first time). */
  dataOpened: boolean;
  /** Counter behind `kpatch_strtab<N>`, from 1 per output file. */
  strtabCount: number;
}

type Target = 'text' | 'data';

/** Directives that put nothing into a section: they never cause a section switch. */
const SECTIONLESS = new Set(['.globl', '.global', '.weak', '.hidden', '.protected', '.internal', '.type', '.size', '.set', '.equ']);

const TEXT_SECTION = '.kpatch.text,"ax",@progbits';
const DATA_SECTION = '.kpatch.data,"aw",@progbits';

function openSection(ctx: EmitContext, target: Target, push: boolean, out: string[]): void {
  const dir = push ? '\t.pushsection ' : '\t.section\t';
  out.push(dir + (target === 'text' ? TEXT_SECTION : DATA_SECTION));
  if (target === 'data' && !ctx.dataOpened) {
    ctx.dataOpened = true;
    out.push(`\t.p2align ${ctx.pageShift}`);
  }
}

/** `.comm N,S,A` / `.lcomm N,S,A` become zero-filled data in `.kpatch.data`. */
function commonToData(s: Statement & { kind: 'directive' }, rename: RenameFn, local: boolean): string[] {
  const [name, size, align] = s.args;
  const out: string[] = [];
  if (!local) out.push(`\t.globl\t${rename(name)}`);
  if (align) out.push(`\t.balign ${align}`);
  out.push(`${rename(name)}:`, `\t.zero\t${size}`);
  return out;
}

export interface CopyOptions {
  /** Drop `.globl`/`.weak`: the copy of a changed function must not take over the original's name. */
  readonly dropBinding: boolean;
  /** For functions: the `<name>.kpatch_end` label to put after the code. */
  readonly endLabel?: string;
}

/** The statement as gcc wrote it (same spacing), with its operands renamed. */
function statementText(s: Statement, rename: RenameFn): string | undefined {
  if (s.kind === 'label') return `${rename(s.name)}:`;
  if (s.kind !== 'directive' && s.kind !== 'instruction') return undefined;
  const rest = s.kind === 'directive' ? s.argText : s.operandText;
  const head = s.text.slice(0, s.text.length - rest.length);
  return `\t${head}${mapSymbols(rest, rename)}`;
}

/** A block of the patched file, renamed, inside `.pushsection .kpatch.{text,data}` ... `.popsection`. */
export function emitCopy(ctx: EmitContext, m1: FileModel, b: Block, rename: RenameFn, opts: CopyOptions): string[] {
  const out: string[] = [];
  let current: Target | undefined;
  const localCommons = new Set<string>();
  for (const s of statementsOf(m1, b)) {
    if (isIgnorable(s) || isSectionDirective(s)) continue;
    if (s.kind === 'directive' && s.name === '.local') {
      s.args.forEach((a) => localCommons.add(a));
      continue;
    }
    if (opts.dropBinding && s.kind === 'directive' && /^\.(globl|global|weak)$/.test(s.name)) continue;
    const isCommon = s.kind === 'directive' && (s.name === '.comm' || s.name === '.lcomm');
    const target: Target = isCommon || !s.section.exec ? 'data' : 'text';
    const placed = !(s.kind === 'directive' && SECTIONLESS.has(s.name));
    if (placed && target !== current) {
      openSection(ctx, target, current === undefined, out);
      current = target;
    }
    if (isCommon && s.kind === 'directive') {
      // gcc writes `.local x` before `.comm x` for file-local commons; the copy keeps that binding.
      out.push(...commonToData(s, rename, s.name === '.lcomm' || localCommons.has(s.args[0])));
      continue;
    }
    const text = statementText(s, rename);
    if (text !== undefined) out.push(text);
  }
  if (opts.endLabel !== undefined) {
    if (current !== 'text') openSection(ctx, 'text', current === undefined, out);
    out.push(`${opts.endLabel}:`);
  }
  if (current !== undefined) out.push('\t.popsection');
  return out;
}

export interface InfoEntry {
  /** The original function (jump from), or undefined for a new function. */
  readonly orig?: string;
  /** The new code's symbol (jump to). */
  readonly newsym: string;
  /** Base of the `<name>.kpatch_end` and `<name>.Lpi` labels. */
  readonly name: string;
}

/** The strtab string and 48-byte `.kpatch.info` entry of §2.3, exactly. */
export function emitInfo(ctx: EmitContext, e: InfoEntry): string[] {
  ctx.strtabCount += 1;
  const n = ctx.strtabCount;
  return [
    '\t.pushsection .kpatch.strtab,"a",@progbits',
    `kpatch_strtab${n}:`,
    `\t.string "${e.newsym}"`,
    '\t.popsection',
    '\t.pushsection .kpatch.info,"a",@progbits',
    `${e.name}.Lpi:`,
    e.orig !== undefined ? `\t.quad ${e.orig}` : '\t.quad 0',
    `\t.quad ${e.newsym}`,
    e.orig !== undefined ? `\t.long ${e.orig}.Lfe - ${e.orig}` : '\t.long 0',
    `\t.long ${e.name}.kpatch_end - ${e.newsym}`,
    `\t.quad kpatch_strtab${n}`,
    '\t.quad 0',
    '\t.long 0',
    '\t.byte 0, 0, 0, 0',
    '\t.popsection',
  ];
}
