/**
 * Everything about applying a patch that can be decided without stopping the process:
 * which object, where the mapping goes, every symbol, every relocation.
 */
import { TscareError } from '@tscare/errors';
import { SHN_UNDEF, STB_GLOBAL, STB_WEAK, STT_FUNC, STT_GNU_IFUNC } from '@tscare/elf';
import type { KpatchFile } from '@tscare/kpatch';
import { findHole, PAGE } from './holes.js';
import { computeLayout } from './layout.js';
import { linkPatch, type LinkedPatch } from './link.js';
import type { MappedObject } from './objects.js';
import type { Vma } from './proc-maps.js';
import type { CodeRange } from './safety.js';
import type { ResolvedSymbol, SymbolResolver } from './symbol-resolver.js';

export interface PatchPlan {
  object: MappedObject;
  kp: KpatchFile;
  linked: LinkedPatch;
  /** Old functions (apply safety). */
  oldRanges: CodeRange[];
}

/** IFUNC resolvers the patch depends on: they must run inside the target before linking. */
export function ifuncsNeeded(kp: KpatchFile, resolver: SymbolResolver): ResolvedSymbol[] {
  const symtab = kp.elf.sections.find((s) => s.name === '.symtab');
  if (!symtab) return [];
  return kp.elf.symbols(symtab)
    .filter((s) => s.index !== 0 && s.st_shndx === SHN_UNDEF && (s.bind === STB_GLOBAL || s.bind === STB_WEAK))
    .map((s) => resolver.resolve(s.name))
    .filter((r): r is ResolvedSymbol => r !== undefined && r.type === STT_GNU_IFUNC);
}

/** Name of an info entry's function, read from the relocated image (symstr points into it). */
export function infoName(image: Buffer, base: number, symstr: number): string {
  const off = symstr - base;
  if (off < 0 || off >= image.length) return `function at 0x${symstr.toString(16)}`;
  const end = image.indexOf(0, off);
  return image.toString('latin1', off, end < 0 ? image.length : end).replace(/\.kpatch$/, '');
}

export interface PlanInput {
  object: MappedObject;
  kp: KpatchFile;
  level: number;
  /** Current maps plus the ranges of patches planned earlier in this run. */
  vmas: readonly Vma[];
  resolver: SymbolResolver;
  /** IFUNC resolver address → the address it returned in the target. */
  ifuncResults: ReadonlyMap<number, number>;
}

export function planPatch(input: PlanInput): PatchPlan {
  const { object, kp, level, resolver, ifuncResults } = input;
  const layout = computeLayout(kp);
  const base = findHole(input.vmas, object, layout.totalMemSize, `${object.path} (patch ${kp.header.id})`);
  const resolve = (name: string): ResolvedSymbol | undefined => {
    const r = resolver.resolve(name);
    if (!r || r.type !== STT_GNU_IFUNC) return r;
    const fn = ifuncResults.get(r.address);
    if (fn === undefined) throw new TscareError('SYMBOL_IFUNC_UNRESOLVED', `IFUNC ${name} was not resolved in the target`);
    return { ...r, address: fn, type: STT_FUNC };
  };
  const linked = linkPatch({ kp, layout, base, bias: object.bias, resolve }, level);
  const oldRanges = linked.info
    .filter((e) => !(e.daddr === 0 && e.dlen === 0))
    .map((e) => ({ start: e.daddr, end: e.daddr + e.dlen, name: infoName(linked.image, base, e.symstr) }));
  return { object, kp, linked, oldRanges };
}

/** A pseudo-VMA that keeps later holes (and their guard pages) clear of a planned patch. */
export function plannedVma(plan: PatchPlan): Vma {
  const start = plan.linked.base - PAGE;
  const end = plan.linked.base + plan.linked.layout.totalMemSize + PAGE;
  return { start, end, perms: '---p', offset: 0, dev: '00:00', inode: 0, name: '[planned]', range: '' };
}
