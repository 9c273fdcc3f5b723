/**
 * Pairing gcc-named blocks (clones, `.LC` strings, `var.N` statics) by content: the human
 * name and the canonical form, the patched side keyed through the pairing so far. Pairing
 * runs in passes until one pairs nothing (a clone can only be paired once the clones it
 * calls are), so canonical forms are kept from pass to pass: the original's never change
 * (its symbols stand for themselves), a patched block's until a symbol it names gets paired.
 */
import { isAutoName, type FunctionBlock, type VariableBlock } from 'gnu-as-parser';
import { canonicalForm, identityKey, keyFor1 } from './canon.js';
import type { FileModel } from './model.js';
import { sameBlockText, type OwnerByHash, type SameTextContext } from './same-text.js';
import { hashOf, smallHash, symbolsWithHash } from './symbol-hash.js';

type Paired = FunctionBlock | VariableBlock;

/** A patched block's key, the symbols it looked up, and the pairing it was taken against. */
interface PatchedKey {
  readonly key: string;
  readonly refs: readonly string[];
  readonly against: ReadonlyMap<string, string>;
}

/** Keys kept across passes. */
export interface KeyCache {
  readonly keys0: Map<Paired, string>;
  readonly keys1: Map<Paired, PatchedKey>;
}

export function newKeyCache(): KeyCache {
  return { keys0: new Map(), keys1: new Map() };
}

/** What a pass reads and updates. */
export interface PairingState {
  readonly m0: FileModel;
  readonly m1: FileModel;
  /** f1 symbol → the f0 symbol it stands for (grows as blocks are paired). */
  readonly map10: Map<string, string>;
  readonly paired0: Set<object>;
  readonly owners: OwnerByHash;
  readonly cache: KeyCache;
  /**
   * Whether the original's text has no `\u0002`, the mark of a patched-file symbol not paired
   * (yet): then a patched key with one matches no original key, which need not be made.
   */
  readonly unmarked0: boolean;
}

/**
 * Human names of the functions that reference each gcc-named block: a tie-breaker for
 * statics. Only the names of gcc-named blocks are ever asked for, so only those are looked
 * for (by hash, see symbol-hash.ts) in the operands and arguments of every function.
 */
function referrers(m: FileModel): Map<string, string> {
  const wanted = new Set<string>();
  for (const b of [...m.functions, ...m.variables]) if (isAutoName(b.name)) wanted.add(b.name);
  const hashes = new Set([...wanted].map((n) => smallHash(hashOf(n))));
  const refs = new Map<string, Set<string>>();
  const found: string[] = [];
  for (const f of m.functions) {
    for (let i = f.first; i <= f.last; i++) {
      const [start, end] = m.file.restSpanAt(i);
      if (start === end) continue;
      found.length = 0;
      symbolsWithHash(m.text, start, end, hashes, found);
      for (const sym of found) {
        if (!wanted.has(sym)) continue;
        const set = refs.get(sym) ?? new Set<string>();
        set.add(f.humanName);
        refs.set(sym, set);
      }
    }
  }
  return new Map([...refs].map(([k, v]) => [k, [...v].sort().join(',')]));
}

/** Who refers to what, in each file: computed only if a tie must be broken (a full scan of both files). */
export interface Referrers {
  readonly r0: () => Map<string, string>;
  readonly r1: () => Map<string, string>;
}

export function lazyReferrers(m0: FileModel, m1: FileModel): Referrers {
  let r0: Map<string, string> | undefined;
  let r1: Map<string, string> | undefined;
  return { r0: () => (r0 ??= referrers(m0)), r1: () => (r1 ??= referrers(m1)) };
}

function originalKey(st: PairingState, b0: Paired): string {
  let k = st.cache.keys0.get(b0);
  if (k === undefined) {
    k = b0.humanName + '\n' + canonicalForm(st.m0, b0, identityKey).join('\n');
    st.cache.keys0.set(b0, k);
  }
  return k;
}

/** The patched block's key against `frozen`: the kept one while every symbol it looked up still maps the same. */
function patchedKey(st: PairingState, b1: Paired, frozen: ReadonlyMap<string, string>): string {
  const kept = st.cache.keys1.get(b1);
  if (kept !== undefined && (kept.against === frozen || kept.refs.every((r) => kept.against.get(r) === frozen.get(r)))) return kept.key;
  const refs: string[] = [];
  const key1 = keyFor1(st.m1, frozen);
  const key = b1.humanName + '\n' + canonicalForm(st.m1, b1, (sym) => (refs.push(sym), key1(sym))).join('\n');
  st.cache.keys1.set(b1, { key, refs, against: frozen });
  return key;
}

/**
 * The unpaired gcc-named blocks of the patched file with one human name (equal keys need
 * equal human names), in file order; indexed by key once a block needs it.
 */
interface Group<B> {
  /** In file order (a set: members leave one by one, in any order). */
  readonly members: Set<B>;
  readonly byName: Map<string, B>;
  byKey?: Map<string, B[]>;
  /** Whether some key of `byKey` has no unpaired symbol in it (can equal an original key). */
  pairable?: boolean;
}

function groupsByHumanName<B extends Paired>(list1: readonly B[], isPaired1: (b: B) => boolean): Map<string, Group<B>> {
  const groups = new Map<string, Group<B>>();
  for (const b1 of list1) {
    if (isPaired1(b1) || !isAutoName(b1.name)) continue;
    const group = groups.get(b1.humanName);
    if (group) {
      group.members.add(b1);
      group.byName.set(b1.name, b1);
    } else {
      groups.set(b1.humanName, { members: new Set([b1]), byName: new Map([[b1.name, b1]]) });
    }
  }
  return groups;
}

function byKey<B extends Paired>(st: PairingState, group: Group<B>, frozen: ReadonlyMap<string, string>): Map<string, B[]> {
  if (group.byKey) return group.byKey;
  const index = new Map<string, B[]>();
  for (const b1 of group.members) {
    const k = patchedKey(st, b1, frozen);
    const list = index.get(k);
    if (list) list.push(b1);
    else index.set(k, [b1]);
  }
  group.pairable = [...index.keys()].some((k) => !k.includes('\u0002'));
  return (group.byKey = index);
}

function removeFrom<B>(list: B[] | undefined, b: B): void {
  const i = list?.indexOf(b) ?? -1;
  if (i >= 0) list?.splice(i, 1);
}

/**
 * The unpaired patched blocks whose key is that of `b0`, in file order. A namesake with the
 * same text (same-text.ts) has b0's key: with no other member it is the only candidate, and
 * otherwise its key (the group's keys are made anyway) stands for b0's, which is not made.
 */
function candidates<B extends Paired>(st: PairingState, group: Group<B>, b0: B, same: SameTextContext): B[] {
  const twin = group.byName.get(b0.name);
  const sameText = twin !== undefined && sameBlockText(same, b0, twin);
  if (sameText && group.members.size === 1) return [twin];
  const index = byKey(st, group, same.map10);
  if (!sameText && !group.pairable && st.unmarked0) return [];
  return index.get(sameText ? patchedKey(st, twin, same.map10) : originalKey(st, b0)) ?? [];
}

/**
 * One pass pairing unpaired gcc-named blocks whose content is equal; returns whether it
 * paired any. Patched blocks are keyed against the pairing as the pass starts (`frozen`),
 * and only when needed (see `candidates`).
 */
export function pairByContent<B extends Paired>(
  st: PairingState,
  list0: readonly B[],
  list1: readonly B[],
  isPaired1: (b: B) => boolean,
  pair: (b0: B, b1: B) => void,
  refs: Referrers,
): boolean {
  const frozen = new Map(st.map10);
  const same: SameTextContext = { m0: st.m0, m1: st.m1, owners: st.owners, map10: frozen };
  const groups = groupsByHumanName(list1, isPaired1);
  let progress = false;
  for (const b0 of list0) {
    if (st.paired0.has(b0) || !isAutoName(b0.name)) continue;
    const group = groups.get(b0.humanName);
    if (!group || group.members.size === 0) continue;
    const cands = candidates(st, group, b0, same);
    if (cands.length === 0) continue;
    // Several equal candidates (e.g. two `static int n = 0;`): prefer the one used by the same functions.
    const pick = cands.length === 1 ? 0 : cands.findIndex((c) => refs.r1().get(c.name) === refs.r0().get(b0.name));
    const chosen = cands[pick < 0 ? 0 : pick];
    if (group.byKey) removeFrom(group.byKey.get(patchedKey(st, chosen, frozen)), chosen);
    group.members.delete(chosen);
    group.byName.delete(chosen.name);
    pair(b0, chosen);
    progress = true;
  }
  return progress;
}
