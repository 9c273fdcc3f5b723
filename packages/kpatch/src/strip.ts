import { TscareError } from '@tscare/errors';
import { EM_AARCH64, SHF_ALLOC, SHT_NOBITS, SHT_NULL, SHT_RELA, writeElf, type ElfFile, type ElfSectionImage } from '@tscare/elf';
import { KPATCH_INFO_ENTRY_SIZE, KPATCH_INFO_TERMINATOR_SIZE } from './header.js';
import { importPreemptible } from './preemptible.js';
import { appendPatchFrames } from './kpatch-eh-frame.js';

/** Sections whose contents go into the patch (kpatch_strip's rule). */
export function isKeptSection(name: string): boolean {
  return name.includes('kpatch') || name === '.symtab' || name === '.strtab' || name === '.shstrtab';
}

/** Bytes the applier overwrites at the start of a replaced function. */
export function jumpSize(machine: number): number {
  return machine === EM_AARCH64 ? 4 : 5;
}

/**
 * The function name of an info entry: `symstr` is a linked address inside
 * .kpatch.strtab, so it is looked up there.
 */
function infoEntryName(elf: ElfFile, symstr: number): string {
  const strtab = elf.sectionByName('.kpatch.strtab');
  if (strtab === undefined || strtab.sh_type === SHT_NOBITS) return `<no .kpatch.strtab>`;
  const off = symstr - strtab.sh_addr;
  const data = elf.sectionData(strtab);
  if (off < 0 || off >= data.length) return `<name at 0x${symstr.toString(16)}>`;
  const end = data.indexOf(0, off);
  return data.toString('latin1', off, end < 0 ? data.length : end);
}

/**
 * Checks the linked .kpatch.info (ld has filled in daddr/dlen) and returns it with the
 * 24-byte zero terminator appended. A replaced function must be long enough for the jump.
 */
function terminatedInfo(elf: ElfFile, data: Buffer): Buffer {
  if (data.length % KPATCH_INFO_ENTRY_SIZE !== 0) {
    throw new TscareError('KPATCH_BAD_INFO', `${elf.path}: .kpatch.info is ${data.length} bytes, not a multiple of ${KPATCH_INFO_ENTRY_SIZE}`, {
      hint: 'the patched binary was not built from tscare-gensrc output, or was already stripped',
    });
  }
  const min = jumpSize(elf.header.e_machine);
  for (let off = 0; off < data.length; off += KPATCH_INFO_ENTRY_SIZE) {
    const daddr = data.readBigUInt64LE(off);
    const dlen = data.readUInt32LE(off + 16);
    if (daddr !== 0n && dlen < min) {
      const name = infoEntryName(elf, Number(data.readBigUInt64LE(off + 24)));
      throw new TscareError('KPATCH_FUNC_TOO_SMALL', `${elf.path}: function ${name.replace(/\.kpatch$/, '')} is ${dlen} bytes, too small to patch (the jump needs ${min})`, {
        hint: 'make the function larger or patch its callers instead',
      });
    }
  }
  return Buffer.concat([data, Buffer.alloc(KPATCH_INFO_TERMINATOR_SIZE)]);
}

function strippedSection(elf: ElfFile, index: number): ElfSectionImage {
  const header = { ...elf.sections[index] };
  if (index === 0 || header.sh_type === SHT_NULL) return { header, data: Buffer.alloc(0) };
  if (isKeptSection(header.name) && header.sh_type !== SHT_NOBITS) {
    const raw = elf.sectionData(elf.sections[index]);
    const data = header.name === '.kpatch.info' ? terminatedInfo(elf, raw) : Buffer.from(raw);
    return { header, data };
  }
  header.sh_type = SHT_NOBITS;
  // Keeps binutils strip from dropping the emptied relocation sections, which would renumber sections.
  if (header.name.startsWith('.rela')) header.sh_flags = SHF_ALLOC;
  return { header, data: Buffer.alloc(0) };
}

/**
 * `kpatch_strip --strip`: a new ELF listing every section of the linked patched binary
 * with its index; .kpatch*, .symtab, .strtab and .shstrtab keep their contents, all
 * others become SHT_NOBITS with size and address kept. No program headers. The frames of
 * the patch's own code are appended as `.kpatch.eh_frame` (kpatch-eh-frame.ts).
 */
export function stripToPatch(patched: ElfFile): Buffer {
  if (!patched.sections.some((s) => s.name.startsWith('.kpatch'))) {
    throw new TscareError('KPATCH_NO_PATCH_SECTIONS', `${patched.path}: has no .kpatch sections`, {
      hint: 'build the patched binary from tscare-gensrc output (tscare-cc in the patched stage)',
    });
  }
  if (patched.sectionByName('.kpatch.info') === undefined) {
    throw new TscareError('KPATCH_BAD_INFO', `${patched.path}: has .kpatch sections but no .kpatch.info`, { hint: 'the merged assembly lost its info table; rebuild it' });
  }
  const info = patched.sectionByName('.kpatch.info')!;
  if (!patched.sections.some((s) => s.sh_type === SHT_RELA && s.sh_info === info.index)) {
    throw new TscareError('KPATCH_NO_RELOCATIONS', `${patched.path}: .kpatch.info has no relocations; the patched binary must be linked with -Wl,-q`, { hint: 'link the patched binary with -Wl,-q (--emit-relocs)' });
  }
  if (patched.sectionByName('.symtab') === undefined) {
    throw new TscareError('KPATCH_NO_SYMTAB', `${patched.path}: has no .symtab`, { hint: 'do not strip the patched binary; link it with -Wl,-q' });
  }
  const emptyPatchSection = patched.sections.find((s) => s.name.includes('kpatch') && s.sh_type === SHT_NOBITS);
  if (emptyPatchSection !== undefined) {
    // The applier takes NOBITS sections for original ones and would place it at an original address.
    throw new TscareError('KPATCH_BAD_SECTION', `${patched.path}: patch section ${emptyPatchSection.name} is SHT_NOBITS`, {
      hint: 'new zero-initialised data must be emitted as .zero in the @progbits .kpatch.data section (tscare-gensrc does this)',
    });
  }
  const h = patched.header;
  const header = {
    ...h, e_entry: 0, e_phoff: 0, e_shoff: 0, e_flags: 0, e_ehsize: 64, e_phentsize: 0, e_phnum: 0,
  };
  const sections = patched.sections.map((_, i) => strippedSection(patched, i));
  importPreemptible(patched, sections);
  // After the rewrite above, which reads relocations by section index from `patched`.
  appendPatchFrames(patched, sections);
  return writeElf({ header, sections });
}
