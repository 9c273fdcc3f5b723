/**
 * Correlation: pair the blocks of the original (f0) and patched (f1) files. Functions and
 * variables pair by name; gcc-named ones (clones, `.LC` strings, `var.N` statics) by human
 * name and content. Then every function pair is classified as changed or unchanged.
 */
import { isAutoName, type AliasBlock, type FunctionBlock, type VariableBlock } from 'gnu-as-parser';
import { canonicalForm, identityKey, keyFor1 } from './canon.js';
import { propagateCloneChanges } from './clone-abi.js';
import { sameCodeModuloLines } from './line-number.js';
import type { FileModel } from './model.js';
import { lazyReferrers, newKeyCache, pairByContent, type PairingState } from './pair-by-content.js';
import { ownerByHash, sameBlockText, type SameTextContext } from './same-text.js';

export interface FunctionPair {
  readonly f0: FunctionBlock;
  readonly f1: FunctionBlock;
  readonly changed: boolean;
  /**
   * True when the old entry should jump to the new copy (an info entry with daddr); false
   * for changed gcc clones, whose copies are added as new code (see clone-abi.ts).
   */
  readonly replaceEntry: boolean;
}

export interface Correlation {
  readonly functionPairs: FunctionPair[];
  readonly newFunctions: FunctionBlock[];
  /** f1 variable → its f0 twin. */
  readonly variablePairs: Map<VariableBlock, VariableBlock>;
  readonly newVariables: VariableBlock[];
  readonly aliasPairs: Map<AliasBlock, AliasBlock>;
  readonly newAliases: AliasBlock[];
  /** f1 symbol → the f0 symbol it stands for. */
  readonly map10: Map<string, string>;
  /** For the same-text fast path against the final pairing (same-text.ts). */
  readonly sameText: SameTextContext;
}

interface State extends PairingState {
  readonly funcs: Map<FunctionBlock, FunctionBlock>;
  readonly vars: Map<VariableBlock, VariableBlock>;
}

function pairFunctions(st: State, f0: FunctionBlock, f1: FunctionBlock): void {
  st.funcs.set(f1, f0);
  st.paired0.add(f0);
  st.map10.set(f1.name, f0.name);
  for (const sym of f1.functionSymbols) {
    const twin = f0.name + sym.slice(f1.name.length);
    if (f0.functionSymbols.includes(twin)) st.map10.set(sym, twin);
  }
}

function pairVariables(st: State, v0: VariableBlock, v1: VariableBlock): void {
  st.vars.set(v1, v0);
  st.paired0.add(v0);
  st.map10.set(v1.name, v0.name);
}

function pairByName(st: State): void {
  const fn1 = new Map(st.m1.functions.map((f) => [f.name, f]));
  for (const f0 of st.m0.functions) {
    const f1 = fn1.get(f0.name);
    if (f1 && !isAutoName(f0.name)) pairFunctions(st, f0, f1);
  }
  const var1 = new Map(st.m1.variables.map((v) => [v.name, v]));
  for (const v0 of st.m0.variables) {
    const v1 = var1.get(v0.name);
    if (v1 && !isAutoName(v0.name)) pairVariables(st, v0, v1);
  }
}

function pairAliases(m0: FileModel, m1: FileModel, map10: Map<string, string>): Map<AliasBlock, AliasBlock> {
  const a0 = new Map(m0.aliases.map((a) => [a.name, a]));
  const pairs = new Map<AliasBlock, AliasBlock>();
  for (const a1 of m1.aliases) {
    const twin = a0.get(a1.name);
    if (twin) {
      pairs.set(a1, twin);
      map10.set(a1.name, twin.name);
    }
  }
  return pairs;
}

export function correlate(m0: FileModel, m1: FileModel): Correlation {
  const st: State = {
    m0,
    m1,
    map10: new Map(),
    funcs: new Map(),
    vars: new Map(),
    paired0: new Set(),
    owners: ownerByHash(m1),
    cache: newKeyCache(),
    unmarked0: !m0.text.includes('\u0002'),
  };
  pairByName(st);
  const aliasPairs = pairAliases(m0, m1, st.map10);
  const refs = lazyReferrers(m0, m1);
  for (;;) {
    const v = pairByContent(st, m0.variables, m1.variables, (b) => st.vars.has(b), (a, b) => pairVariables(st, a, b), refs);
    const f = pairByContent(st, m0.functions, m1.functions, (b) => st.funcs.has(b), (a, b) => pairFunctions(st, a, b), refs);
    if (!v && !f) break;
  }
  pairLeftoverClones(st);
  const key1 = keyFor1(m1, st.map10);
  const functionPairs: FunctionPair[] = [];
  const byF0 = new Map([...st.funcs].map(([f1, f0]) => [f0, f1]));
  const same: SameTextContext = { m0, m1, owners: st.owners, map10: st.map10 };
  for (const f0 of m0.functions) {
    const f1 = byF0.get(f0);
    if (!f1) continue;
    const changed = !sameBlockText(same, f0, f1) && !sameCodeModuloLines(canonicalForm(m0, f0, identityKey), canonicalForm(m1, f1, key1));
    functionPairs.push({ f0, f1, changed, replaceEntry: true });
  }
  return {
    functionPairs: propagateCloneChanges(m1, functionPairs),
    newFunctions: m1.functions.filter((f) => !st.funcs.has(f)),
    variablePairs: st.vars,
    newVariables: m1.variables.filter((v) => !st.vars.has(v)),
    aliasPairs,
    newAliases: m1.aliases.filter((a) => !aliasPairs.has(a)),
    map10: st.map10,
    sameText: same,
  };
}

/** Clones whose body changed: pair them by human name and clone kind, in order. */
function pairLeftoverClones(st: State): void {
  const cloneKind = (n: string): string => n.replace(/\.\d+$/, '');
  for (const f0 of st.m0.functions) {
    if (st.paired0.has(f0) || !isAutoName(f0.name)) continue;
    const f1 = st.m1.functions.find((c) => !st.funcs.has(c) && isAutoName(c.name) && cloneKind(c.name) === cloneKind(f0.name));
    if (f1) pairFunctions(st, f0, f1);
  }
}

