import { TscareError } from '@tscare/errors';
import {
  SHF_ALLOC, SHN_LORESERVE, SHN_UNDEF, SHT_NOBITS, STT_SECTION, STT_TLS, type ElfFile, type ElfSymbol, type SectionHeader,
} from '@tscare/elf';
import { LINKER_TABLES } from './original-tables.js';

/**
 * Checks that the ORIG given to undo-link is the binary the patched one was built
 * against. LibcarePlus compares nothing and silently produces a patch that jumps into
 * the wrong code; these checks are cheap and catch a wrong ORIG or different flags.
 */
const HINT_ORIG = 'ORIG must be the exact binary the patched one was built against (same sources before the patch, same compiler and flags)';

function mismatch(message: string, hint = HINT_ORIG): TscareError {
  return new TscareError('KPATCH_LAYOUT_MISMATCH', message, { hint });
}

/**
 * The largest size difference taken for the padding ld puts in a section that starts at a
 * differently aligned address: `.bss` follows `.kpatch.data` in the patched link, so its start
 * depends on the patch's data size, and an 8-byte-aligned input inside it (crtstuff's) then
 * adds a few bytes at its end. Only with ORIG's .symtab, where checkReferencedSymbols proves
 * that every symbol the patch uses sits at the same offset.
 */
const ALIGNMENT_SLACK = 64;

function alignmentSlack(orig: ElfFile, os: SectionHeader, ps: SectionHeader): boolean {
  return orig.sectionByName('.symtab') !== undefined && os.sh_type === SHT_NOBITS && Math.abs(ps.sh_size - os.sh_size) < ALIGNMENT_SLACK;
}

/**
 * Every non-patch section a kept symbol lives in must exist in ORIG with the same size (linker
 * tables aside, and the alignment padding of a NOBITS section, see alignmentSlack).
 */
export function checkReferencedSections(orig: ElfFile, patch: ElfFile, map: Map<number, SectionHeader>, shndxs: Iterable<number>): void {
  for (const index of shndxs) {
    const ps = patch.sections[index];
    if (ps === undefined || ps.sh_type !== SHT_NOBITS || (ps.sh_flags & SHF_ALLOC) === 0) continue;
    const os = map.get(index);
    if (os === undefined) {
      throw new TscareError('KPATCH_UNMAPPED_SECTION', `${patch.path}: the patch refers to section ${ps.name}, which ${orig.path} does not have`, { hint: HINT_ORIG });
    }
    // The patch reaches the original's GOT/PLT entries at addresses read from the original
    // itself (original-tables.ts); the patched link's tables may hold more imports.
    if (os.sh_size !== ps.sh_size && !LINKER_TABLES.has(ps.name) && !alignmentSlack(orig, os, ps)) {
      throw mismatch(`section ${ps.name} is ${ps.sh_size} bytes in ${patch.path} but ${os.sh_size} bytes in ${orig.path}`,
        `${HINT_ORIG}; a patch that uses a new library variable needs GOT access (tscare-gensrc --force-gotpcrel)`);
    }
  }
}

function place(elf: ElfFile, sym: ElfSymbol): string {
  const sec = elf.sections[sym.st_shndx];
  return `${sec?.name ?? `section ${sym.st_shndx}`}+0x${(sym.st_value - (sec?.sh_addr ?? 0)).toString(16)} (${sym.st_size} bytes)`;
}

/**
 * Every original symbol the patch uses (still absolute in PATCH) must sit at the same
 * section offset with the same size in ORIG. Skipped when ORIG has no .symtab (a
 * stripped deployed binary); then only the section sizes are compared.
 */
export function checkReferencedSymbols(orig: ElfFile, patch: ElfFile, symbols: ElfSymbol[]): void {
  const origTab = orig.sectionByName('.symtab');
  if (origTab === undefined) return;
  const byName = new Map<string, ElfSymbol[]>();
  for (const s of orig.symbols(origTab)) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  for (const sym of symbols) {
    if (sym.index === 0 || sym.st_shndx === SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE || sym.type === STT_SECTION || sym.type === STT_TLS) continue;
    const home = patch.sections[sym.st_shndx];
    if (home === undefined || home.sh_type !== SHT_NOBITS || (home.sh_flags & SHF_ALLOC) === 0) continue;
    const want = place(patch, sym);
    const candidates = byName.get(sym.name) ?? [];
    if (!candidates.some((c) => c.st_shndx < orig.sections.length && place(orig, c) === want)) {
      const found = candidates.length === 0 ? 'is not defined' : `is at ${candidates.map((c) => place(orig, c)).join(', ')}`;
      throw mismatch(`${sym.name} is at ${want} in ${patch.path} but ${found} in ${orig.path}`);
    }
  }
}
