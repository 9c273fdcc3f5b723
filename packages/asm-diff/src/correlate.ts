/**
 * Correlation: pair the blocks of the original (f0) and patched (f1) files. Functions and
 * variables pair by name; gcc-named ones (clones, `.LC` strings, `var.N` statics) by human
 * name and content. Then every function pair is classified as changed or unchanged.
 */
import { isAutoName, symbolsIn, type AliasBlock, type FunctionBlock, type VariableBlock } from 'gnu-as-parser';
import { canonicalForm, type KeyFn } from './canon.js';
import { propagateCloneChanges } from './clone-abi.js';
import { sameCodeModuloLines } from './line-number.js';
import { statementsOf, type FileModel } from './model.js';
import { sameFunctionText } from './same-text.js';

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
}

interface State {
  readonly m0: FileModel;
  readonly m1: FileModel;
  readonly map10: Map<string, string>;
  readonly funcs: Map<FunctionBlock, FunctionBlock>;
  readonly vars: Map<VariableBlock, VariableBlock>;
  readonly paired0: Set<object>;
}

/** How f1 names are written when compared with f0: paired → the f0 name, new → marked. */
export function keyFor1(m1: FileModel, map10: ReadonlyMap<string, string>): KeyFn {
  return (sym) => map10.get(sym) ?? (m1.owner.has(sym) ? `\u0002${sym}` : sym);
}

const identity: KeyFn = (s) => s;

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

/** Human names of the functions that reference each symbol: a tie-breaker for statics. */
function referrers(m: FileModel): Map<string, string> {
  const refs = new Map<string, Set<string>>();
  for (const f of m.functions) {
    for (const s of statementsOf(m, f)) {
      const text = s.kind === 'instruction' ? s.operandText : s.kind === 'directive' ? s.argText : '';
      for (const sym of symbolsIn(text)) {
        const set = refs.get(sym) ?? new Set<string>();
        set.add(f.humanName);
        refs.set(sym, set);
      }
    }
  }
  return new Map([...refs].map(([k, v]) => [k, [...v].sort().join(',')]));
}

/** Who refers to what, in each file: computed only if a tie must be broken (a full scan of both files). */
interface Referrers {
  readonly r0: () => Map<string, string>;
  readonly r1: () => Map<string, string>;
}

function lazyReferrers(m0: FileModel, m1: FileModel): Referrers {
  let r0: Map<string, string> | undefined;
  let r1: Map<string, string> | undefined;
  return { r0: () => (r0 ??= referrers(m0)), r1: () => (r1 ??= referrers(m1)) };
}

/** One pass pairing unpaired gcc-named blocks whose content is equal; returns whether it paired any. */
function pairByContent<B extends FunctionBlock | VariableBlock>(
  st: State,
  list0: readonly B[],
  list1: readonly B[],
  isPaired1: (b: B) => boolean,
  pair: (b0: B, b1: B) => void,
  refs: Referrers,
): boolean {
  const key1 = keyFor1(st.m1, st.map10);
  const index = new Map<string, B[]>();
  for (const b1 of list1) {
    if (isPaired1(b1) || !isAutoName(b1.name)) continue;
    const k = b1.humanName + '\n' + canonicalForm(st.m1, b1, key1).join('\n');
    index.set(k, [...(index.get(k) ?? []), b1]);
  }
  let progress = false;
  for (const b0 of list0) {
    if (st.paired0.has(b0) || !isAutoName(b0.name)) continue;
    const k = b0.humanName + '\n' + canonicalForm(st.m0, b0, identity).join('\n');
    const cands = index.get(k);
    if (!cands || cands.length === 0) continue;
    // Several equal candidates (e.g. two `static int n = 0;`): prefer the one used by the same functions.
    const pick = cands.length === 1 ? 0 : cands.findIndex((c) => refs.r1().get(c.name) === refs.r0().get(b0.name));
    const [chosen] = cands.splice(pick < 0 ? 0 : pick, 1);
    pair(b0, chosen);
    progress = true;
  }
  return progress;
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
  const st: State = { m0, m1, map10: new Map(), funcs: new Map(), vars: new Map(), paired0: new Set() };
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
  for (const f0 of m0.functions) {
    const f1 = byF0.get(f0);
    if (!f1) continue;
    const changed = !sameFunctionText(m0, f0, m1, f1, st.map10) && !sameCodeModuloLines(canonicalForm(m0, f0, identity), canonicalForm(m1, f1, key1));
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

export { identity as identityKey };
