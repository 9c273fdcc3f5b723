/**
 * The canonical form of a block, used to decide "same or changed": one string per
 * statement that matters, with the block's own labels numbered in order of definition
 * and every other symbol passed through a key function (so the patched file's names
 * can be expressed in the original's).
 */
import { isSectionDirective, mapSymbols, type Block } from 'gnu-as-parser';
import { isIgnorable } from './ignorable.js';
import type { FileModel } from './model.js';

export type KeyFn = (symbol: string) => string;

/** How original names are written: as they are. */
export const identityKey: KeyFn = (s) => s;

/** How patched-file names are written when compared with the original's: paired → the f0 name, new → marked. */
export function keyFor1(m1: FileModel, map10: ReadonlyMap<string, string>): KeyFn {
  return (sym) => map10.get(sym) ?? (m1.owner.has(sym) ? `\u0002${sym}` : sym);
}

const SKIPPED_DIRECTIVES = new Set(['.globl', '.global']);

/**
 * Directives whose meaning does not depend on the section they stand in: symbol attributes,
 * and `.comm`/`.lcomm`, which allocate in common/.bss wherever they are written. gcc writes
 * them wherever it is: a C++ `DW.ref` pointer's `.hidden`/`.weak` in the previous variable's
 * section, a zero-initialised static's `.local`/`.comm` in the section of the function before
 * it, which a fix that gives that function a cold part or an exception table changes.
 */
const SECTIONLESS = new Set(['.hidden', '.weak', '.protected', '.internal', '.local', '.type', '.size', '.symver', '.weakref', '.comm', '.lcomm']);

/**
 * A `.loc` line-info directive at `off` (ignorable): in a `-g` build a third of the code's
 * statements, recognised from the text without making the statement.
 */
function isLocAt(text: string, off: number): boolean {
  const c = text.charCodeAt(off + 4);
  return (c === 32 || c === 9) && text.startsWith('.loc', off);
}

export function canonicalForm(m: FileModel, b: Block, outside: KeyFn): string[] {
  const f = m.file;
  const local = new Map<string, string>();
  let debugLabels = 0;
  for (let i = b.first; i <= b.last; i++) {
    if (f.kindAt(i) !== 'label') continue;
    const s = f.statementAt(i);
    if (s.kind !== 'label') continue;
    // Debug labels (`.LFB`, `.LVL`, ...) are numbered apart, so that adding or removing one
    // does not renumber the real labels; C++ exception tables refer to `.LFB` inside the block.
    if (isIgnorable(s)) local.set(s.name, `\u0003${debugLabels++}`);
    else local.set(s.name, `\u0001${local.size - debugLabels}`);
  }
  if (b.kind === 'variable' && !local.has(b.name)) local.set(b.name, `\u0001${local.size}`);
  const key = (sym: string): string => local.get(sym) ?? outside(sym);
  const out: string[] = [];
  for (let i = b.first; i <= b.last; i++) {
    const kind = f.kindAt(i);
    if (kind === 'blank' || kind === 'comment' || (kind === 'directive' && isLocAt(m.text, f.offsetAt(i)))) continue;
    const s = f.statementAt(i);
    if (isIgnorable(s) || isSectionDirective(s)) continue;
    const sec = s.kind === 'directive' && SECTIONLESS.has(s.name) ? '' : s.section.exec ? 'X' : s.section.name;
    if (s.kind === 'label') out.push(`${sec}|${key(s.name)}:`);
    else if (s.kind === 'directive' && !SKIPPED_DIRECTIVES.has(s.name)) out.push(`${sec}|${s.name} ${mapSymbols(s.argText, key)}`);
    else if (s.kind === 'instruction') out.push(`${sec}|${s.mnemonic} ${mapSymbols(s.operandText, key)}`);
  }
  return out;
}

export function sameForm(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The first statement where two forms differ, for messages. */
export function firstDifference(a: readonly string[], b: readonly string[]): string {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `'${clean(a[i])}' became '${clean(b[i])}'`;
  }
  return 'no difference';
}

function clean(s: string | undefined): string {
  if (s === undefined) return '(nothing)';
  return s.replace(/^[^|]*\|/, '').replace(/\u0001(\d+)/g, '<label $1>').replace(/\u0002/g, 'new ');
}
