/**
 * A fast path for "is this block the same in both files?": most blocks of a one-function fix
 * are the same text in both files. Same physical lines, same starting section, and every
 * symbol they name that is not their own label standing for itself in the patched file
 * (paired to the same name, or not defined there) means the canonical forms are equal,
 * without building them. Anything else falls back to the full comparison.
 *
 * The symbol check runs over nearly the whole patched file, so it makes no strings: each
 * symbol is hashed while it is scanned and looked up by hash among the symbols the patched
 * file defines. A symbol no block defines stands for itself, and so does a label of the block
 * itself; only the rest (and hash collisions) are cut out and looked up by name. The scan
 * finds symbols exactly as `mapSymbols` does (same skipping of strings, registers, `@`
 * operators and numbers).
 */
import type { Block } from 'gnu-as-parser';
import type { DefiningBlock, FileModel } from './model.js';
import { hashOf, isIdentChar, isIdentStart, stringEndWithin } from './symbol-hash.js';

/**
 * The patched file's defined symbols by hash, as an open-addressing table (a `Map` with
 * number keys would box the hashes that do not fit a small integer): `owner[slot]` is
 * 1 + the index of the defining block in `blocks`, -1 when blocks of different symbols
 * share the hash, 0 for an empty slot.
 */
export interface OwnerByHash {
  readonly mask: number;
  readonly hashes: Int32Array;
  readonly owner: Int32Array;
  readonly blocks: readonly DefiningBlock[];
  readonly indexOf: ReadonlyMap<Block, number>;
}

export function ownerByHash(m1: FileModel): OwnerByHash {
  let size = 16;
  while (size < m1.owner.size * 2) size *= 2;
  const t = { mask: size - 1, hashes: new Int32Array(size), owner: new Int32Array(size), blocks: [] as DefiningBlock[], indexOf: new Map<Block, number>() };
  for (const [sym, b] of m1.owner) {
    let index = t.indexOf.get(b);
    if (index === undefined) {
      index = t.blocks.length;
      t.blocks.push(b);
      t.indexOf.set(b, index);
    }
    const h = hashOf(sym);
    let slot = h & t.mask;
    while (t.owner[slot] !== 0 && t.hashes[slot] !== h) slot = (slot + 1) & t.mask;
    if (t.owner[slot] === 0) t.hashes[slot] = h;
    t.owner[slot] = t.owner[slot] === 0 || t.owner[slot] === index + 1 ? index + 1 : -1;
  }
  return t;
}

/** The owner entry for hash `h`: 1 + block index, -1 for shared, 0 when no defined symbol has it. */
function ownerOfHash(t: OwnerByHash, h: number): number {
  let slot = h & t.mask;
  for (;;) {
    const o = t.owner[slot];
    if (o === 0 || t.hashes[slot] === h) return o;
    slot = (slot + 1) & t.mask;
  }
}

/** A patched-file symbol stands for itself when it is paired to its own name, or not defined there. */
function standsForItself(m1: FileModel, map10: ReadonlyMap<string, string>, sym: string): boolean {
  const twin = map10.get(sym);
  return twin !== undefined ? twin === sym : !m1.owner.has(sym);
}

/** What the check needs: the two files, the patched file's symbols by hash, and the pairing so far. */
export interface SameTextContext {
  readonly m0: FileModel;
  readonly m1: FileModel;
  readonly owners: OwnerByHash;
  /** f1 symbol → the f0 symbol it stands for. */
  readonly map10: ReadonlyMap<string, string>;
}

/** True when every symbol in `text[start, end)` of the patched file is a label of `b1` or stands for itself. */
function symbolsStandForThemselves(ctx: SameTextContext, b1: Block, start: number, end: number): boolean {
  const text = ctx.m1.text;
  // b1's entry in the table; a block that defines nothing matches no entry (-2).
  const index = ctx.owners.indexOf.get(b1);
  const own = index === undefined ? -2 : index + 1;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i = stringEndWithin(text, i, end);
    } else if (c === 37 /* % */ || c === 64 /* @ */ || (c >= 48 && c <= 57)) {
      i++;
      while (i < end && isIdentChar(text.charCodeAt(i))) i++;
    } else if (isIdentStart(c)) {
      let h = c;
      let j = i + 1;
      for (; j < end; j++) {
        const d = text.charCodeAt(j);
        if (!isIdentChar(d)) break;
        h = (Math.imul(h, 31) + d) | 0;
      }
      // Unknown hash: defined nowhere. Hash of one of b1's own labels only: b1's label, or a
      // symbol defined nowhere. Either way it stands for itself.
      const owner = ownerOfHash(ctx.owners, h);
      if (owner !== 0 && owner !== own) {
        const sym = text.slice(i, j);
        if (ctx.m1.owner.get(sym) !== b1 && !standsForItself(ctx.m1, ctx.map10, sym)) return false;
      }
      i = j;
    } else {
      i++;
    }
  }
  return true;
}

/** The physical lines holding the block: from where its first line starts to after its last line's newline. */
function linesSpan(m: FileModel, b: Block): [number, number] {
  const from = m.file.offsetAt(b.first);
  const start = from === 0 ? 0 : m.text.lastIndexOf('\n', from - 1) + 1;
  const nl = m.text.indexOf('\n', m.file.offsetAt(b.last));
  return [start, nl < 0 ? m.text.length : nl + 1];
}

/** A sufficient condition for equal canonical forms of `b0` (original) and `b1` (patched, keyed through `ctx.map10`). */
export function sameBlockText(ctx: SameTextContext, b0: Block, b1: Block): boolean {
  const { m0, m1 } = ctx;
  const [s0, e0] = linesSpan(m0, b0);
  const [s1, e1] = linesSpan(m1, b1);
  if (e0 - s0 !== e1 - s1 || m0.text.slice(s0, e0) !== m1.text.slice(s1, e1)) return false;
  if (m0.file.statementAt(b0.first).section.name !== m1.file.statementAt(b1.first).section.name) return false;
  return symbolsStandForThemselves(ctx, b1, s1, e1);
}
