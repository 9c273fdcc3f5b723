/**
 * Call-frame information for the patch's own code. kpatch_strip drops `.eh_frame` with every
 * other section of the patched link, so the C++ runtime finds no frame for live-patched
 * code and an exception thrown there ends in std::terminate. Here the FDEs that describe
 * `.kpatch*` code, with the CIEs they use, are copied into a new `.kpatch.eh_frame` (and
 * their relocations into `.rela.kpatch.eh_frame`) that the applier hands to libgcc's
 * `__register_frame_info`:
 *
 *   CIEs (once, original order) | FDEs (original order) | u32 0 | zero pad to 8 | 128 zero bytes
 *
 * The last block is the `struct object` libgcc fills in at registration; the sections are
 * appended after every existing one, so they land after `.kpatch.data`, in the part of the
 * patch mapping that is writable. The section gets a link address past every other one and
 * its relocations link addresses, as if ld had placed it there: undo-link makes them
 * section-relative and the applier resolves them like any other.
 */
import { TscareError } from '@tscare/errors';
import {
  alignUp, encodeRelas, ELF64_RELA_SIZE, EM_X86_64, SHF_ALLOC, SHF_EXECINSTR, SHF_INFO_LINK, SHN_LORESERVE, SHN_UNDEF,
  SHT_NOBITS, SHT_PROGBITS, SHT_RELA, type ElfFile, type ElfRela, type ElfSectionImage, type ElfSymbol, type SectionHeader,
} from '@tscare/elf';
import { EH_OBJECT_RESERVED, FDE_CIE_POINTER, FDE_PC_BEGIN, walkEhFrame, type EhFde, type EhRecord } from './eh-frame-records.js';

export const KPATCH_EH_FRAME = '.kpatch.eh_frame';
export const KPATCH_EH_FRAME_RELA = `.rela${KPATCH_EH_FRAME}`;

const HINT_INPUT = 'relink the patched binary with GNU ld and -Wl,-q; if the patch never has to be unwound through, '
  + 'build it without unwind tables (-fno-asynchronous-unwind-tables -fno-exceptions)';

/** The patched link's .eh_frame, walked, with each record's relocations (section-relative offsets). */
interface FrameSource {
  data: Buffer;
  records: EhRecord[];
  relocs: Map<number, ElfRela[]>;
  symbols: ElfSymbol[];
  symtab: SectionHeader;
}

/** Index of the record containing `off` in `records` (sorted, disjoint), or -1. */
function recordContaining(records: EhRecord[], off: number): number {
  let [lo, hi] = [0, records.length - 1];
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = records[mid];
    if (off < r.offset) hi = mid - 1;
    else if (off >= r.offset + r.size) lo = mid + 1;
    else return mid;
  }
  return -1;
}

function frameSource(patched: ElfFile): FrameSource | undefined {
  const eh = patched.sectionByName('.eh_frame');
  const rela = eh === undefined ? undefined : patched.sections.find((s) => s.sh_type === SHT_RELA && s.sh_info === eh.index);
  const symtab = patched.sectionByName('.symtab');
  // SHT_NOBITS: an already stripped file. (Other toolchains type .eh_frame SHT_X86_64_UNWIND; both are read.)
  if (eh === undefined || rela === undefined || symtab === undefined || eh.sh_type === SHT_NOBITS) return undefined;
  if (rela.sh_link !== symtab.index) {
    throw new TscareError('KPATCH_BAD_EH_FRAME', `${patched.path}: ${rela.name} uses section ${rela.sh_link} as its symbol table, not .symtab (${symtab.index})`, { hint: HINT_INPUT });
  }
  const data = patched.sectionData(eh);
  const { records } = walkEhFrame(data, { where: `${patched.path}: .eh_frame`, hint: HINT_INPUT, stopAtTerminator: false });
  const relocs = new Map<number, ElfRela[]>();
  for (const r of patched.relocations(rela)) {
    const at = recordContaining(records, r.r_offset - eh.sh_addr);
    if (at < 0) continue;
    const start = records[at].offset;
    relocs.set(start, [...(relocs.get(start) ?? []), { ...r, r_offset: r.r_offset - eh.sh_addr - start }]);
  }
  return { data, records, relocs, symbols: patched.symbols(symtab), symtab };
}

/** An FDE describes patch code when its pc_begin is relocated against a symbol in an executable `.kpatch*` section. */
function describesPatchCode(patched: ElfFile, src: FrameSource, fde: EhFde): boolean {
  const pcBegin = src.relocs.get(fde.offset)?.find((r) => r.r_offset === FDE_PC_BEGIN);
  const sym = pcBegin === undefined || pcBegin.sym === 0 ? undefined : src.symbols[pcBegin.sym];
  if (sym === undefined || sym.st_shndx === SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE) return false;
  const home = patched.sections[sym.st_shndx];
  return home !== undefined && home.name.startsWith('.kpatch') && (home.sh_flags & SHF_EXECINSTR) !== 0;
}

/** The selected FDEs' CIEs, then the FDEs, both in their original order. */
function selectRecords(patched: ElfFile, src: FrameSource): EhRecord[] {
  const fdes = src.records.filter((r): r is EhFde => r.kind === 'fde' && describesPatchCode(patched, src, r));
  const used = new Set(fdes.map((f) => f.cie));
  return [...src.records.filter((r) => r.kind === 'cie' && used.has(r.offset)), ...fdes];
}

/**
 * The new section's contents and relocations (at link addresses from `addr`, like every other
 * section's, so undo-link makes them section-relative); each FDE's CIE pointer is recomputed
 * for its new place.
 */
function copyRecords(src: FrameSource, chosen: EhRecord[], addr: number): { data: Buffer; relocs: ElfRela[] } {
  const placed = new Map<number, number>();
  const parts: Buffer[] = [];
  const relocs: ElfRela[] = [];
  let pos = 0;
  for (const rec of chosen) {
    const bytes = Buffer.from(src.data.subarray(rec.offset, rec.offset + rec.size));
    if (rec.kind === 'fde') bytes.writeUInt32LE(pos + FDE_CIE_POINTER - placed.get(rec.cie)!, FDE_CIE_POINTER);
    placed.set(rec.offset, pos);
    for (const r of src.relocs.get(rec.offset) ?? []) relocs.push({ ...r, index: relocs.length, r_offset: addr + pos + r.r_offset });
    parts.push(bytes);
    pos += rec.size;
  }
  const objectOffset = alignUp(pos + 4, 8);
  parts.push(Buffer.alloc(objectOffset + EH_OBJECT_RESERVED - pos));
  return { data: Buffer.concat(parts), relocs };
}

function newSection(index: number, name: string, sh_name: number, fields: Partial<SectionHeader>): SectionHeader {
  return {
    index, name, sh_name, sh_type: SHT_PROGBITS, sh_flags: 0, sh_addr: 0, sh_offset: 0, sh_size: 0, sh_link: 0, sh_info: 0,
    sh_addralign: 8, sh_entsize: 0, ...fields,
  };
}

/**
 * A link address past every allocated section: binutils `strip` (LibcarePlus's manual flow runs
 * `strip --strip-unneeded` on the patch) lays allocated sections out in address order, and
 * the new section must stay after the code and `.kpatch.data`, in the writable part of the
 * patch mapping.
 */
function addressAfterAll(patched: ElfFile): number {
  const ends = patched.sections.filter((s) => (s.sh_flags & SHF_ALLOC) !== 0).map((s) => s.sh_addr + s.sh_size);
  return alignUp(Math.max(0, ...ends), 8);
}

/**
 * Appends `.kpatch.eh_frame` and `.rela.kpatch.eh_frame` to the stripped sections (and
 * their names to .shstrtab) when the patched link has frames for `.kpatch*` code; a patch
 * without such frames is left as it is.
 */
export function appendPatchFrames(patched: ElfFile, sections: ElfSectionImage[]): void {
  // aarch64 frames are relocated with R_AARCH64_PREL32, which no applier resolves yet (reloc-support.ts).
  if (patched.header.e_machine !== EM_X86_64) return;
  const src = frameSource(patched);
  const chosen = src === undefined ? [] : selectRecords(patched, src);
  if (src === undefined || chosen.length === 0) return;
  const addr = addressAfterAll(patched);
  const { data, relocs } = copyRecords(src, chosen, addr);
  // One string serves both names, the way ld and binutils share a suffix in .shstrtab.
  const shstrtab = sections[patched.header.e_shstrndx];
  const relaName = shstrtab.data.length;
  shstrtab.data = Buffer.concat([shstrtab.data, Buffer.from(`${KPATCH_EH_FRAME_RELA}\0`, 'latin1')]);
  const ehName = relaName + KPATCH_EH_FRAME_RELA.length - KPATCH_EH_FRAME.length;
  const ehIndex = sections.length;
  sections.push({ header: newSection(ehIndex, KPATCH_EH_FRAME, ehName, { sh_flags: SHF_ALLOC, sh_addr: addr }), data });
  sections.push({
    header: newSection(ehIndex + 1, KPATCH_EH_FRAME_RELA, relaName, {
      sh_type: SHT_RELA, sh_flags: SHF_INFO_LINK, sh_link: src.symtab.index, sh_info: ehIndex, sh_entsize: ELF64_RELA_SIZE,
    }),
    data: encodeRelas(relocs),
  });
}
