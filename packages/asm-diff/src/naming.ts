/**
 * Output names of patched-file symbols inside the emitted `.kpatch` code: references to
 * unchanged functions and to paired data go to the ORIGINAL symbols, references to changed
 * functions go to their `.kpatch` copies, and everything the patch adds gets a name that
 * cannot clash with the original's.
 */
import { TscareError } from '@tscare/errors';
import { isAutoName, type FunctionBlock } from 'gnu-as-parser';
import type { Correlation } from './correlate.js';

export type RenameFn = (symbol: string) => string;

function addFunction(map: Map<string, string>, f1: FunctionBlock, base: string | undefined, keepName: boolean): void {
  for (const l of f1.labels) {
    // Numeric local labels (`1:`, referenced as `1b`/`1f`) are file-position relative: never renamed.
    if (/^\d+$/.test(l)) continue;
    if (f1.functionSymbols.includes(l) && base !== undefined) {
      const twin = base + l.slice(f1.name.length);
      map.set(l, keepName && l === f1.name ? twin : `${twin}.kpatch`);
    } else {
      map.set(l, `${l}.kpatch`);
    }
  }
}

export function makeRename(corr: Correlation): RenameFn {
  const map = new Map<string, string>();
  for (const p of corr.functionPairs) {
    if (p.changed) addFunction(map, p.f1, p.f0.name, false);
    else for (const sym of p.f1.functionSymbols) map.set(sym, corr.map10.get(sym) ?? sym);
  }
  for (const f1 of corr.newFunctions) addFunction(map, f1, f1.name, !isAutoName(f1.name));
  for (const [v1, v0] of corr.variablePairs) map.set(v1.name, v0.name);
  for (const v1 of corr.newVariables) {
    for (const l of v1.labels) if (!/^\d+$/.test(l)) map.set(l, `${l}.kpatch`);
    map.set(v1.name, `${v1.name}.kpatch`);
  }
  for (const [a1, a0] of corr.aliasPairs) map.set(a1.name, a0.name);
  for (const a1 of corr.newAliases) map.set(a1.name, isAutoName(a1.name) ? `${a1.name}.kpatch` : a1.name);
  checkUnique(corr, map);
  return (sym) => map.get(sym) ?? sym;
}

/** Two patched-file symbols must never end up with one output name. */
function checkUnique(corr: Correlation, map: Map<string, string>): void {
  const seen = new Map<string, string>();
  const shared = new Set([...corr.variablePairs.keys()].map((v) => v.name));
  for (const p of corr.functionPairs) if (!p.changed) p.f1.functionSymbols.forEach((s) => shared.add(s));
  for (const [from, to] of map) {
    if (shared.has(from)) continue;
    const other = seen.get(to);
    if (other !== undefined && other !== from) {
      throw new TscareError('DIFF_NAME_CLASH', `patched symbols '${other}' and '${from}' would both be emitted as '${to}'`, {
        hint: 'rename one of the functions in the patched source',
      });
    }
    seen.set(to, from);
  }
}
