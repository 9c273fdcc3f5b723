/**
 * Cuts a parsed file into blocks: functions (with their `.cold` parts), variables,
 * `.set` aliases, standalone attribute lines and everything else.
 */
import type { AsmFile, DirectiveStatement, Statement } from './types.js';
import { humanName } from './symbols.js';

interface Span {
  /** Index of the first statement (in `AsmFile.statements`). */
  readonly first: number;
  /** Index of the last statement, inclusive. */
  readonly last: number;
}

export interface FunctionBlock extends Span {
  readonly kind: 'function';
  readonly name: string;
  readonly humanName: string;
  /** The function symbols the block defines: the name and its `.cold` parts. */
  readonly functionSymbols: readonly string[];
  /** Every label defined in the block. */
  readonly labels: readonly string[];
}

export interface VariableBlock extends Span {
  readonly kind: 'variable';
  readonly name: string;
  readonly humanName: string;
  readonly labels: readonly string[];
}

export interface AliasBlock extends Span {
  readonly kind: 'alias';
  readonly name: string;
  readonly target: string;
}

export interface AttributeBlock extends Span {
  readonly kind: 'attribute';
  readonly name: string;
}

export interface OtherBlock extends Span {
  readonly kind: 'other';
}

export type Block = FunctionBlock | VariableBlock | AliasBlock | AttributeBlock | OtherBlock;

const SECTION_DIRECTIVES = new Set(['.text', '.data', '.bss', '.section', '.pushsection', '.popsection', '.previous', '.subsection']);
const PRELUDE_DIRECTIVES = new Set([
  ...SECTION_DIRECTIVES,
  '.align', '.p2align', '.balign', '.globl', '.global', '.weak', '.hidden', '.protected', '.internal', '.local', '.type', '.size',
]);
const DATA_DIRECTIVES = new Set([
  '.ascii', '.asciz', '.string', '.string8', '.string16', '.string32', '.string64', '.byte', '.word', '.short', '.hword',
  '.int', '.long', '.quad', '.octa', '.double', '.float', '.single', '.value', '.zero', '.skip', '.space', '.fill',
  '.uleb128', '.sleb128', '.1byte', '.2byte', '.4byte', '.8byte', '.dc', '.dc.a', '.dc.b', '.dc.w', '.dc.l', '.dc.d', '.dc.s',
  '.base64',
]);

export function isSectionDirective(s: Statement): boolean {
  return s.kind === 'directive' && SECTION_DIRECTIVES.has(s.name);
}

/** Labels that only mark section boundaries for debug info (hot/cold split, .text start/end). */
function isBoundaryLabel(name: string): boolean {
  return /^\.L(COLD|HOT|text|etext)/.test(name);
}

function isPrelude(s: Statement): boolean {
  if (s.kind === 'blank' || s.kind === 'comment') return true;
  if (s.kind === 'label') return isBoundaryLabel(s.name);
  return s.kind === 'directive' && PRELUDE_DIRECTIVES.has(s.name);
}

/** Sections whose labels are not program data (debug info, notes, unwind tables). */
function isMetaSection(name: string): boolean {
  return /^\.(debug|note|comment|eh_frame|gcc_except_table|gnu\.)/.test(name);
}

function firstArg(s: Statement): string | undefined {
  return s.kind === 'directive' ? s.args[0]?.replace(/^"|"$/g, '') : undefined;
}

function typedAsFunction(s: Statement, name?: string): string | undefined {
  if (s.kind !== 'directive' || s.name !== '.type') return undefined;
  const sym = firstArg(s);
  if (!/^[@%]function$/.test(s.args[1] ?? '')) return undefined;
  return name === undefined || sym === name ? sym : undefined;
}

function labelsIn(all: readonly Statement[], first: number, last: number): string[] {
  const out: string[] = [];
  for (let i = first; i <= last; i++) {
    const s = all[i];
    if (s.kind === 'label') out.push(s.name);
  }
  return out;
}

/** End of a function starting at label index `start`: its `.size`, and those of its `.cold` parts. */
function functionEnd(all: readonly Statement[], start: number, name: string): number {
  const open = new Set([name]);
  for (let i = start + 1; i < all.length; i++) {
    const s = all[i];
    const typed = typedAsFunction(s);
    if (typed !== undefined && typed.startsWith(name + '.')) open.add(typed);
    if (s.kind === 'directive' && s.name === '.size') {
      open.delete(firstArg(s) ?? '');
      if (open.size === 0) return i;
    }
  }
  return all.length - 1;
}

/** End of a variable starting at label index `start`: the data lines that follow it. */
function variableEnd(all: readonly Statement[], start: number, name: string): number {
  let end = start;
  for (let i = start + 1; i < all.length; i++) {
    const s = all[i];
    if (s.kind === 'directive' && (DATA_DIRECTIVES.has(s.name) || (s.name === '.size' && firstArg(s) === name))) end = i;
    else break;
  }
  return end;
}

export function cutBlocks(file: AsmFile): Block[] {
  const all = file.statements;
  const blocks: Block[] = [];
  let preludeStart = 0;
  const flush = (upTo: number): void => flushPrelude(all, preludeStart, upTo, blocks);
  let i = 0;
  while (i < all.length) {
    const s = all[i];
    const made = isPrelude(s) ? undefined : blockAt(all, preludeStart, i);
    if (made) {
      blocks.push(made);
      i = made.last + 1;
      preludeStart = i;
    } else if (isPrelude(s)) {
      i++;
    } else {
      flush(i + 1);
      i++;
      preludeStart = i;
    }
  }
  flush(all.length);
  return mergeOthers(blocks);
}

function blockAt(all: readonly Statement[], first: number, i: number): Block | undefined {
  const s = all[i];
  if (s.kind === 'label') {
    const prelude = all.slice(first, i);
    if (s.section.exec && prelude.some((p) => typedAsFunction(p, s.name) !== undefined)) {
      const last = functionEnd(all, i, s.name);
      const functionSymbols = [s.name];
      for (let k = i; k <= last; k++) {
        const t = typedAsFunction(all[k]);
        if (t !== undefined && t.startsWith(s.name + '.')) functionSymbols.push(t);
      }
      return { kind: 'function', first, last, name: s.name, humanName: humanName(s.name), functionSymbols, labels: labelsIn(all, first, last) };
    }
    if (!s.section.exec && !isMetaSection(s.section.name)) {
      const last = variableEnd(all, i, s.name);
      return { kind: 'variable', first, last, name: s.name, humanName: humanName(s.name), labels: labelsIn(all, first, last) };
    }
    return undefined;
  }
  if (s.kind !== 'directive') return undefined;
  if (s.name === '.comm' || s.name === '.lcomm') {
    const name = firstArg(s) ?? '';
    return { kind: 'variable', first, last: i, name, humanName: humanName(name), labels: [] };
  }
  if ((s.name === '.set' || s.name === '.equ') && s.args.length >= 2) {
    return { kind: 'alias', first, last: i, name: firstArg(s) ?? '', target: s.args[1] };
  }
  return undefined;
}

/** Pending prelude lines that no block claimed: `.globl`/`.weak` lines become attribute blocks. */
function flushPrelude(all: readonly Statement[], from: number, to: number, out: Block[]): void {
  for (let k = from; k < to; k++) {
    const s = all[k];
    if (s.kind === 'directive' && (s.name === '.globl' || s.name === '.global' || s.name === '.weak')) {
      out.push({ kind: 'attribute', first: k, last: k, name: `${s.name} ${s.argText}` });
    } else {
      out.push({ kind: 'other', first: k, last: k });
    }
  }
}

function mergeOthers(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const b of blocks) {
    const prev = out[out.length - 1];
    if (b.kind === 'other' && prev?.kind === 'other' && prev.last + 1 === b.first) out[out.length - 1] = { kind: 'other', first: prev.first, last: b.last };
    else out.push(b);
  }
  return out;
}
