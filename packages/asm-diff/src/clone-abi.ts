/**
 * gcc clones (`.isra.N`, `.constprop.N`, `.part.N`, ...) have private calling conventions
 * that can differ between the two builds. Jumping from an old clone's entry to a new clone
 * could therefore pass arguments the wrong way. So a changed clone is not patched in by an
 * entry jump: its copy is added as new code, and every function that calls it is patched
 * instead (transitively, since a caller may be a clone too).
 */
import { isAutoName, symbolsIn } from 'gnu-as-parser';
import type { FunctionPair } from './correlate.js';
import { statementsOf, type FileModel } from './model.js';

function referencedSymbols(m1: FileModel, p: FunctionPair): Set<string> {
  const out = new Set<string>();
  for (const s of statementsOf(m1, p.f1)) {
    const text = s.kind === 'instruction' ? s.operandText : s.kind === 'directive' ? s.argText : '';
    for (const sym of symbolsIn(text)) out.add(sym);
  }
  return out;
}

export function propagateCloneChanges(m1: FileModel, pairs: readonly FunctionPair[]): FunctionPair[] {
  const out = pairs.map((p) => ({ ...p, replaceEntry: !(p.changed && isAutoName(p.f0.name)) }));
  const changedClones = new Set(out.filter((p) => !p.replaceEntry).flatMap((p) => p.f1.functionSymbols));
  let grew = changedClones.size > 0;
  while (grew) {
    grew = false;
    for (const p of out) {
      if (p.changed) continue;
      const refs = referencedSymbols(m1, p);
      if (![...changedClones].some((c) => refs.has(c))) continue;
      p.changed = true;
      grew = true;
      if (isAutoName(p.f0.name)) {
        p.replaceEntry = false;
        p.f1.functionSymbols.forEach((s) => changedClones.add(s));
      }
    }
  }
  return out;
}
