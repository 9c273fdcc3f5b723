/**
 * A fast path for "has this function changed?": most functions of a one-function fix are
 * the same text in both files. Same physical lines, same starting section, and every
 * symbol they name that is not their own label standing for itself in the patched file
 * (paired to the same name, or not defined there) means the canonical forms are equal,
 * without building them. Anything else falls back to the full comparison.
 */
import { mapSymbols, type FunctionBlock } from 'gnu-as-parser';
import type { FileModel } from './model.js';

/** Offsets where each line starts (index 0 = line 1), for slicing a block's lines out of the text. */
export function lineStarts(text: string): Int32Array {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  const starts = new Int32Array(n);
  let k = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
  return starts;
}

function linesText(m: FileModel, f: FunctionBlock): string {
  const first = m.file.statementAt(f.first).line;
  const last = m.file.statementAt(f.last).line;
  const end = last < m.lineStarts.length ? m.lineStarts[last] : m.text.length;
  return m.text.slice(m.lineStarts[first - 1], end);
}

export function sameFunctionText(m0: FileModel, f0: FunctionBlock, m1: FileModel, f1: FunctionBlock, map10: ReadonlyMap<string, string>): boolean {
  const text = linesText(m1, f1);
  if (text !== linesText(m0, f0)) return false;
  if (m0.file.statementAt(f0.first).section.name !== m1.file.statementAt(f1.first).section.name) return false;
  const own = new Set(f1.labels);
  let same = true;
  mapSymbols(text, (sym) => {
    if (same && !own.has(sym)) {
      const twin = map10.get(sym);
      if (twin !== undefined ? twin !== sym : m1.owner.has(sym)) same = false;
    }
    return sym;
  });
  return same;
}
