/**
 * Cuts a parsed file into blocks: functions (with their `.cold` parts), variables,
 * `.set` aliases, standalone attribute lines and everything else.
 */
import type { AsmFile, DirectiveStatement, LabelStatement, Statement } from './types.js';

/** Statement access by index (an `AsmFile`): statements are made on access, not stored. */
type Statements = Pick<AsmFile, 'text' | 'statementCount' | 'statementAt' | 'statementRange' | 'kindAt' | 'offsetAt' | 'restSpanAt'>;
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

function labelsIn(all: Statements, first: number, last: number, out: string[] = []): string[] {
  for (let i = first; i <= last; i++) {
    // Most statements are instructions: look at the kind before making the statement.
    if (all.kindAt(i) === 'label') out.push((all.statementAt(i) as LabelStatement).name);
  }
  return out;
}

/**
 * The function whose label is statement `start` (prelude from `first`), in one pass: it ends
 * at its `.size` and those of its `.cold` parts; its symbols are its name and those parts.
 */
function functionAt(all: Statements, first: number, start: number, name: string): FunctionBlock {
  const labels = labelsIn(all, first, start - 1);
  const functionSymbols = [name];
  const open = new Set([name]);
  let last = all.statementCount - 1;
  for (let i = start; i < all.statementCount; i++) {
    const kind = all.kindAt(i);
    if (kind === 'label') labels.push((all.statementAt(i) as LabelStatement).name);
    if (kind !== 'directive') continue;
    // Only `.type` and `.size` matter: skip the others (`.loc`, `.cfi_*`) without making them.
    const off = all.offsetAt(i);
    if (!all.text.startsWith('.type', off) && !all.text.startsWith('.size', off)) continue;
    const s = all.statementAt(i) as DirectiveStatement;
    const typed = typedAsFunction(s);
    if (typed !== undefined && typed.startsWith(name + '.')) {
      open.add(typed);
      functionSymbols.push(typed);
    }
    if (s.name === '.size') {
      open.delete(firstArg(s) ?? '');
      if (open.size === 0) {
        last = i;
        break;
      }
    }
  }
  return { kind: 'function', first, last, name, humanName: humanName(name), functionSymbols, labels };
}

/** End of a variable starting at label index `start`: the data lines that follow it. */
function variableEnd(all: Statements, start: number, name: string): number {
  let end = start;
  for (let i = start + 1; i < all.statementCount; i++) {
    if (all.kindAt(i) !== 'directive') break;
    // The directive's name from the text, without making the statement (data lines are many).
    const word = all.text.slice(all.offsetAt(i), all.restSpanAt(i)[0]);
    if (DATA_DIRECTIVES.has(word) || (word === '.size' && firstArg(all.statementAt(i)) === name)) end = i;
    else break;
  }
  return end;
}

export function cutBlocks(file: AsmFile): Block[] {
  const all: Statements = file;
  const blocks: Block[] = [];
  // [unassigned, preludeStart): statements no block claims (flushed as other/attribute blocks);
  // [preludeStart, i): a possible prelude of the next function or variable.
  let unassigned = 0;
  let preludeStart = 0;
  let attributes: AttributeBlock[] = [];
  let i = 0;
  while (i < all.statementCount) {
    const s = all.statementAt(i);
    if (isPrelude(s)) {
      if (isAttribute(s)) attributes.push({ kind: 'attribute', first: i, last: i, name: `${s.name} ${s.argText}` });
      i++;
      continue;
    }
    const made = blockAt(all, preludeStart, i, s);
    if (made) {
      flushUnclaimed(unassigned, preludeStart, attributes, blocks);
      blocks.push(made);
      attributes = [];
      i = made.last + 1;
      unassigned = i;
    } else {
      i++;
    }
    preludeStart = i;
  }
  flushUnclaimed(unassigned, all.statementCount, attributes, blocks);
  return mergeOthers(blocks);
}

function blockAt(all: Statements, first: number, i: number, s: Statement): Block | undefined {
  if (s.kind === 'label') {
    // Only a label in code can start a function: the prelude is looked at only then.
    if (s.section.exec && all.statementRange(first, i - 1).some((p) => typedAsFunction(p, s.name) !== undefined)) return functionAt(all, first, i, s.name);
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

function isAttribute(s: Statement): s is DirectiveStatement {
  return s.kind === 'directive' && (s.name === '.globl' || s.name === '.global' || s.name === '.weak');
}

/** Statements `from..to-1` that no block claimed: `.globl`/`.weak` lines (seen earlier) become attribute blocks, runs of the rest one other block. */
function flushUnclaimed(from: number, to: number, attributes: readonly AttributeBlock[], out: Block[]): void {
  let k = from;
  for (const a of attributes) {
    if (a.first >= to) break;
    if (a.first > k) out.push({ kind: 'other', first: k, last: a.first - 1 });
    out.push(a);
    k = a.first + 1;
  }
  if (k < to) out.push({ kind: 'other', first: k, last: to - 1 });
}

/** Adjacent other blocks become one. */
function mergeOthers(blocks: readonly Block[]): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < blocks.length) {
    const b = blocks[i];
    let j = i;
    if (b.kind === 'other') {
      while (j + 1 < blocks.length && blocks[j + 1].kind === 'other' && blocks[j].last + 1 === blocks[j + 1].first) j++;
    }
    out.push(j === i ? b : { kind: 'other', first: b.first, last: blocks[j].last });
    i = j + 1;
  }
  return out;
}
