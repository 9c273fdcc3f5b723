/**
 * A fast path for "has this function changed?": most functions of a one-function fix are
 * the same text in both files. Same physical lines, same starting section, and every
 * symbol they name that is not their own label standing for itself in the patched file
 * (paired to the same name, or not defined there) means the canonical forms are equal,
 * without building them. Anything else falls back to the full comparison.
 */
import { mapSymbols, type FunctionBlock } from 'gnu-as-parser';
import type { FileModel } from './model.js';

/** The physical lines holding the block, from where its first line starts to after its last line's newline. */
function linesText(m: FileModel, f: FunctionBlock): string {
  const from = m.file.offsetAt(f.first);
  const start = from === 0 ? 0 : m.text.lastIndexOf('\n', from - 1) + 1;
  const nl = m.text.indexOf('\n', m.file.offsetAt(f.last));
  return m.text.slice(start, nl < 0 ? m.text.length : nl + 1);
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
