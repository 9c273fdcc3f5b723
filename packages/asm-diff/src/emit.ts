/**
 * Text emitted into the merged file: `.kpatch` copies of patched-file blocks and the
 * `.kpatch.info` entries, with the section names and label conventions of LibcarePlus.
 */
import { isSectionDirective, mapSymbols, symbolsIn, type Block, type Statement } from 'gnu-as-parser';
import { isDebugLabel, isIgnorable } from './ignorable.js';
import { statementsOf, type FileModel } from './model.js';
import { dataOperand, rewriteForGot } from './got-rewrite.js';
import type { RenameFn } from './naming.js';

/** Emission state for one output file, passed along (never global). */
export interface EmitContext {
  readonly pageShift: number;
  /** Whether `.kpatch.data` has been opened (it gets `.p2align pageShift` the first time). */
  dataOpened: boolean;
  /** Counter behind `kpatch_strtab<N>`, from 1 per output file. */
  strtabCount: number;
  /** Library data the original file never names: new code reaches it through the GOT (got-rewrite.ts). */
  readonly externalData: ReadonlySet<string>;
  /** For messages. */
  readonly fileName: string;
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

/** Labels a copy needs although change detection ignores them (see `neededDebugLabels`). */
function referencedSymbols(stmts: readonly Statement[]): Set<string> {
  const used = new Set<string>();
  for (const s of stmts) {
    if (isIgnorable(s)) continue;
    if (s.kind === 'directive') symbolsIn(s.argText).forEach((n) => used.add(n));
    else if (s.kind === 'instruction') symbolsIn(s.operandText).forEach((n) => used.add(n));
  }
  return used;
}

/** `.size X, .-X`: its `.` is the end of X's own section, so where it is emitted matters. */
function isDotSize(s: Statement): boolean {
  return s.kind === 'directive' && s.name === '.size' && /(^|[^\w.$])\.(?![\w.$])/.test(s.args[1] ?? '');
}

/** Where the copy stands while its statements are emitted. */
interface CopyState {
  readonly out: string[];
  current: Target | undefined;
  /** Section of the patched file whose statement was emitted last. */
  lastSection: string | undefined;
  /** Output index right after the last statement emitted from each patched-file section. */
  readonly sectionEnd: Map<string, number>;
  /** Debug labels waiting for the next statement of their section (that is their address). */
  readonly pending: Map<string, string[]>;
  /** Labels to put in at output indexes once the copy is complete. */
  readonly inserts: Map<number, string[]>;
  /** Whether the CFA is %rsp-based at this point, and the `.cfi_remember_state` stack of that. */
  cfaOnRsp: boolean;
  readonly cfaStack: boolean[];
}

/** Follows the CFA register through the copy's `.cfi_*` directives. */
function trackCfa(st: CopyState, s: Statement): void {
  if (s.kind !== 'directive') return;
  if (s.name === '.cfi_startproc') st.cfaOnRsp = true;
  else if (s.name === '.cfi_def_cfa_register' || s.name === '.cfi_def_cfa') st.cfaOnRsp = /^(7|%rsp)$/.test(s.args[0] ?? '');
  else if (s.name === '.cfi_remember_state') st.cfaStack.push(st.cfaOnRsp);
  else if (s.name === '.cfi_restore_state') st.cfaOnRsp = st.cfaStack.pop() ?? st.cfaOnRsp;
}

/** An instruction of new code, with library data it names reached through the GOT. */
function instructionLines(ctx: EmitContext, st: CopyState, s: Statement & { kind: 'instruction' }, rename: RenameFn): string[] {
  const text = statementText(s, rename) as string;
  if (ctx.externalData.size === 0) return [text];
  const operands = mapSymbols(s.operandText, rename);
  const op = dataOperand(operands);
  if (op === undefined || !ctx.externalData.has(op.symbol)) return [text];
  const where = `${ctx.fileName}:${s.line}`;
  return rewriteForGot({ mnemonic: s.mnemonic, operands, cfaOnRsp: st.cfaOnRsp, where }, op);
}

function place(ctx: EmitContext, st: CopyState, target: Target): void {
  if (target === st.current) return;
  openSection(ctx, target, st.current === undefined, st.out);
  st.current = target;
}

/**
 * `.size X, .-X` of a hot part that gcc writes after the cold part: in the copy both parts
 * share `.kpatch.text`, so `.` would include the cold part. Measure to a label put at the end
 * of X's section instead.
 */
function sizeText(st: CopyState, s: Statement & { kind: 'directive' }, rename: RenameFn): string {
  const text = statementText(s, rename) as string;
  const end = st.sectionEnd.get(s.section.name);
  if (st.lastSection === s.section.name || end === undefined) return text;
  const label = `.L${rename(s.args[0])}.end`;
  st.inserts.set(end, [...(st.inserts.get(end) ?? []), `${label}:`]);
  return text.replace(/,\s*\.(?![\w.$])/, `, ${label}`);
}

function emitStatement(ctx: EmitContext, st: CopyState, s: Statement, rename: RenameFn, localCommons: Set<string>): void {
  const isCommon = s.kind === 'directive' && (s.name === '.comm' || s.name === '.lcomm');
  const target: Target = isCommon || !s.section.exec ? 'data' : 'text';
  const placed = !(s.kind === 'directive' && SECTIONLESS.has(s.name));
  if (placed || isDotSize(s)) place(ctx, st, target);
  if (placed) {
    const waiting = st.pending.get(s.section.name);
    if (waiting) st.out.push(...waiting.map((l) => `${rename(l)}:`));
    st.pending.delete(s.section.name);
  }
  if (isCommon && s.kind === 'directive') {
    // gcc writes `.local x` before `.comm x` for file-local commons; the copy keeps that binding.
    st.out.push(...commonToData(s, rename, s.name === '.lcomm' || localCommons.has(s.args[0])));
  } else if (isDotSize(s) && s.kind === 'directive') {
    st.out.push(sizeText(st, s, rename));
  } else if (s.kind === 'instruction') {
    st.out.push(...instructionLines(ctx, st, s, rename));
  } else {
    trackCfa(st, s);
    const text = statementText(s, rename);
    if (text !== undefined) st.out.push(text);
  }
  if (placed) {
    st.lastSection = s.section.name;
    st.sectionEnd.set(s.section.name, st.out.length);
  }
}

/**
 * A block of the patched file, renamed, inside `.pushsection .kpatch.{text,data}` ... `.popsection`.
 * Debug labels are dropped unless the copy itself names them: an exception table
 * (`.gcc_except_table`, copied into `.kpatch.data`) measures call sites from `.LFB*` and
 * `.LCOLDB*`, so those are kept, renamed, at the address they had (before the next statement
 * of their own section: `.LCOLDB*` sits in `.text.unlikely` ahead of the hot part).
 */
export function emitCopy(ctx: EmitContext, m1: FileModel, b: Block, rename: RenameFn, opts: CopyOptions): string[] {
  const stmts = statementsOf(m1, b);
  const needed = referencedSymbols(stmts);
  const st: CopyState = { out: [], current: undefined, lastSection: undefined, sectionEnd: new Map(), pending: new Map(), inserts: new Map(), cfaOnRsp: true, cfaStack: [] };
  const localCommons = new Set<string>();
  for (const s of stmts) {
    if (s.kind === 'label' && isDebugLabel(s.name) && needed.has(s.name)) {
      st.pending.set(s.section.name, [...(st.pending.get(s.section.name) ?? []), s.name]);
      continue;
    }
    if (isIgnorable(s) || isSectionDirective(s)) continue;
    if (s.kind === 'directive' && s.name === '.local') {
      s.args.forEach((a) => localCommons.add(a));
      continue;
    }
    if (opts.dropBinding && s.kind === 'directive' && /^\.(globl|global|weak)$/.test(s.name)) continue;
    emitStatement(ctx, st, s, rename, localCommons);
  }
  if (opts.endLabel !== undefined) place(ctx, st, 'text');
  // Labels still waiting end their section's part of the copy.
  for (const labels of st.pending.values()) st.out.push(...labels.map((l) => `${rename(l)}:`));
  if (opts.endLabel !== undefined) st.out.push(`${opts.endLabel}:`);
  if (st.current !== undefined) st.out.push('\t.popsection');
  return st.out.flatMap((line, i) => [...(st.inserts.get(i) ?? []), line]);
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
