import { TscareError } from '@tscare/errors';
import {
  EM_AARCH64, R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21, R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC, R_X86_64_DTPMOD64,
  R_X86_64_DTPOFF32, R_X86_64_DTPOFF64, R_X86_64_GOTTPOFF, R_X86_64_NONE, R_X86_64_TLSGD, R_X86_64_TLSLD, R_X86_64_TPOFF32,
  R_X86_64_TPOFF64, SHN_UNDEF, STB_LOCAL, type ElfFile, type ElfRela, type ElfSymbol, type SectionHeader,
} from '@tscare/elf';
import { fixDynamicTls } from './tls-dynamic-fixup.js';

const TLS_DYN_TYPES = [R_X86_64_TPOFF64, R_X86_64_DTPOFF64, R_X86_64_DTPMOD64];

function unsupported(patch: ElfFile, rela: ElfRela, sym: ElfSymbol): TscareError {
  return new TscareError('KPATCH_TLS_UNSUPPORTED', `${patch.path}: relocation type ${rela.type} against thread-local ${sym.name} uses a non-supported TLS model`, {
    hint: 'the original must already reach this variable the same way (the patch reuses its GOT entries); build with -ftls-model=initial-exec',
  });
}

function origSymbols(orig: ElfFile): ElfSymbol[] {
  const symtab = orig.sectionByName('.symtab');
  if (symtab === undefined) {
    throw new TscareError('KPATCH_NO_SYMTAB', `${orig.path}: has no .symtab, needed to check thread-local variables`, { hint: 'pass the unstripped original binary' });
  }
  return orig.symbols(symtab);
}

/** TPOFF32 (local-exec), DTPOFF32 (local-dynamic): the offset ld wrote must be the same in the original, then nothing is left to do. */
export function fixTpoff32(orig: ElfFile, patch: ElfFile, rela: ElfRela, sym: ElfSymbol): void {
  const twin = origSymbols(orig).find((s) => s.name === sym.name && s.type === sym.type);
  if (twin === undefined || twin.st_value !== sym.st_value) {
    throw new TscareError('KPATCH_TLS_MISMATCH', `${patch.path}: thread-local ${sym.name} is at TLS offset ${sym.st_value} but ${twin === undefined ? 'is missing' : `at ${twin.st_value}`} in ${orig.path}`, {
      hint: 'the patch cannot add or move thread-local variables; check that ORIG is the right binary',
    });
  }
  rela.type = R_X86_64_NONE;
}

/** GOTTPOFF (initial-exec): point the addend at the ORIGINAL's GOT slot for the variable. */
function fixGottpoff(orig: ElfFile, patch: ElfFile, rela: ElfRela, sym: ElfSymbol): void {
  const relaDyn = orig.sectionByName('.rela.dyn');
  const entries = relaDyn === undefined ? [] : orig.relocations(relaDyn).filter((r) => TLS_DYN_TYPES.includes(r.type));
  const dynsym = orig.sections[relaDyn?.sh_link ?? 0];
  const dynSyms = dynsym === undefined || relaDyn === undefined || relaDyn.sh_link === 0 ? [] : orig.symbols(dynsym);
  const bare = sym.name.replace(/@.*$/, '');
  const byName = () => entries.find((r) => r.r_addend === 0 && dynSyms[r.sym]?.name.replace(/@.*$/, '') === bare);
  // LibcarePlus only looks for the anonymous slot of a defined variable; an exported one
  // (default visibility in a shared library) has a named slot, so that is tried next.
  const defined = sym.st_shndx !== SHN_UNDEF || sym.bind === STB_LOCAL;
  const slot = defined ? entries.find((r) => r.sym === 0 && r.r_addend === sym.st_value) ?? byName() : byName();
  if (slot === undefined) {
    throw new TscareError('KPATCH_TLS_MISMATCH', `${patch.path}: no GOT slot for thread-local ${sym.name} in ${orig.path}`, {
      hint: 'the original must already access this variable through initial-exec TLS; check that ORIG is the right binary',
    });
  }
  rela.r_addend = slot.r_offset;
}

/**
 * aarch64 TLSIE page (untested: no aarch64 toolchain here). The reference describes the
 * addend as the ADRP's decoded page; this uses the ADRP semantics Page(P) + imm << 12.
 */
function fixAarch64Page(patch: ElfFile, rela: ElfRela, target: SectionHeader): void {
  const code = patch.sectionData(target);
  const at = rela.r_offset - target.sh_addr;
  if (at < 0 || at + 4 > code.length) {
    throw new TscareError('KPATCH_BAD_ELF', `${patch.path}: TLS relocation at 0x${rela.r_offset.toString(16)} is outside ${target.name}`, { hint: 'the patched binary is corrupt; rebuild it' });
  }
  const insn = code.readUInt32LE(at);
  const immlo = (insn >>> 29) & 3;
  const immhi = (insn >>> 5) & 0x7ffff;
  let pages = (immhi << 2) | immlo;
  if (pages & 0x100000) pages -= 0x200000;
  const pcPage = Math.floor(rela.r_offset / 4096) * 4096;
  rela.r_addend = pcPage + pages * 4096;
}

/** The TLS step of `--rel-fixup` (reference §4.2 step 2). */
export function fixTlsRelocation(orig: ElfFile, patch: ElfFile, symbols: readonly ElfSymbol[], rela: ElfRela, sym: ElfSymbol, target: SectionHeader): void {
  if (patch.header.e_machine === EM_AARCH64) {
    if (sym.bind === STB_LOCAL || rela.type === R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC) return;
    if (rela.type === R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21) return fixAarch64Page(patch, rela, target);
    throw unsupported(patch, rela, sym);
  }
  if (rela.type === R_X86_64_TPOFF32) return fixTpoff32(orig, patch, rela, sym);
  if (rela.type === R_X86_64_GOTTPOFF) return fixGottpoff(orig, patch, rela, sym);
  if (rela.type === R_X86_64_DTPOFF32) return fixTpoff32(orig, patch, rela, sym);
  if (rela.type === R_X86_64_TLSGD || rela.type === R_X86_64_TLSLD) {
    if (!fixDynamicTls(orig, patch, symbols, rela, sym)) throw unsupported(patch, rela, sym);
    return;
  }
  throw unsupported(patch, rela, sym);
}
