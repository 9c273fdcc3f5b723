/**
 * New code calling an IFUNC that the ORIGINAL object itself defines (`__attribute__((ifunc))`,
 * gcc's `target_clones`). The symbol's value is the resolver, not the function, so it cannot
 * be linked to directly. The original reaches such a function through a GOT slot that ld.so
 * filled at start-up (an IRELATIVE relocation whose addend is the resolver) and a PLT stub
 * that jumps through it; the new code reuses them: calls and jumps go to the stub, GOT loads
 * read the slot. Plain PC32 references to the original's sections, which any applier
 * resolves (LibcarePlus's too), and which need no resolver run at patch time.
 */
import { TscareError } from '@tscare/errors';
import {
  R_X86_64_64, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_IRELATIVE, R_X86_64_PC32, R_X86_64_PLT32,
  R_X86_64_REX_GOTPCRELX, SHT_RELA, STT_GNU_IFUNC, type ElfFile, type ElfRela, type ElfSymbol,
} from '@tscare/elf';
import { pointAtOriginal, sectionAt } from './original-tables.js';

const JMP_INDIRECT = [0xff, 0x25];
const BND_PREFIX = 0xf2;

/** The GOT slot the original's start-up filled with the function its resolver chose. */
function irelativeSlot(orig: ElfFile, resolver: number): number | undefined {
  for (const rs of orig.sections) {
    if (rs.sh_type !== SHT_RELA || (rs.name !== '.rela.plt' && rs.name !== '.rela.dyn' && rs.name !== '.rela.iplt')) continue;
    const r = orig.relocations(rs).find((x) => x.type === R_X86_64_IRELATIVE && x.r_addend === resolver);
    if (r !== undefined) return r.r_offset;
  }
  return undefined;
}

/** The original's PLT stub `jmp *slot(%rip)` (a `bnd` prefix included). */
function stubFor(orig: ElfFile, slot: number): number | undefined {
  for (const name of ['.plt', '.plt.sec', '.iplt']) {
    const s = orig.sectionByName(name);
    if (s === undefined || s.sh_size === 0) continue;
    const code = orig.sectionData(s);
    for (let at = 0; at + 6 <= code.length; at++) {
      if (code[at] !== JMP_INDIRECT[0] || code[at + 1] !== JMP_INDIRECT[1]) continue;
      if (s.sh_addr + at + 6 + code.readInt32LE(at + 2) !== slot) continue;
      return s.sh_addr + (at > 0 && code[at - 1] === BND_PREFIX ? at - 1 : at);
    }
  }
  return undefined;
}

function unreachable(patch: ElfFile, orig: ElfFile, sym: ElfSymbol, why: string): TscareError {
  return new TscareError('KPATCH_IFUNC_UNREACHABLE', `${patch.path}: the patch calls ${sym.name}, an IFUNC defined in ${orig.path}, but ${why}`, {
    hint: `the new code can only reach an IFUNC of the program through the original's own PLT entry: the original must call ${sym.name} too (or call the chosen implementation directly)`,
  });
}

/** Rewrites a reference of the new code to the original's IFUNC `sym` (see the file comment). */
export function fixLocalIfunc(orig: ElfFile, patch: ElfFile, symbols: readonly ElfSymbol[], rela: ElfRela, sym: ElfSymbol): void {
  const symtab = orig.sectionByName('.symtab');
  const twin = symtab === undefined ? undefined : orig.symbols(symtab).find((s) => s.name === sym.name && s.type === STT_GNU_IFUNC);
  if (twin === undefined) throw unreachable(patch, orig, sym, 'the original defines no such IFUNC');
  const slot = irelativeSlot(orig, twin.st_value);
  if (slot === undefined || sectionAt(orig, slot) === undefined) throw unreachable(patch, orig, sym, 'the original never calls it (no IRELATIVE GOT slot)');
  const viaGot = [R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX].includes(rela.type);
  const target = viaGot ? slot : stubFor(orig, slot);
  const type = rela.type === R_X86_64_64 ? R_X86_64_64 : R_X86_64_PC32;
  if (!viaGot && rela.type !== R_X86_64_PLT32 && rela.type !== R_X86_64_PC32 && rela.type !== R_X86_64_64) {
    throw unreachable(patch, orig, sym, `relocation type ${rela.type} cannot be sent to its PLT entry`);
  }
  if (target === undefined) throw unreachable(patch, orig, sym, 'no PLT entry of the original jumps through its GOT slot');
  if (!pointAtOriginal(orig, patch, symbols, rela, target, type)) throw unreachable(patch, orig, sym, 'the patched link has no section symbol for the original table');
}
