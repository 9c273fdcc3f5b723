import { TscareError } from '@tscare/errors';
import {
  encodeRela, ELF64_RELA_SIZE, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_PC32, R_X86_64_PLT32,
  R_X86_64_REX_GOTPCRELX, EM_X86_64, SHN_LORESERVE, SHN_UNDEF, SHT_NOBITS, SHT_RELA, STB_LOCAL, STT_FUNC, STT_NOTYPE,
  STT_GNU_IFUNC, STT_OBJECT, STT_SECTION, STT_TLS, type ElfFile, type ElfRela, type ElfSymbol, type SectionHeader,
} from '@tscare/elf';
import { checkResolvable } from './reloc-support.js';
import { fixTlsRelocation } from './tls-fixup.js';
import { fixLocalIfunc } from './ifunc-fixup.js';

const GOTPCREL_TYPES = [R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX];
const MOV_OPCODE = 0x8b;
const LEA_OPCODE = 0x8d;
const ADDR32_PREFIX = 0x67;
const CALL_REL32 = 0xe8;
const JMP_REL32 = 0xe9;
const NOP = 0x90;

interface FixupContext {
  orig: ElfFile;
  patch: ElfFile;
  /** The copy being rewritten; `patch` still reads the input. */
  out: Buffer;
  symbols: ElfSymbol[];
}

/** Step 5: a local `.`-symbol (`.LC0`) becomes its section's symbol plus the offset. */
function toSectionSymbol(ctx: FixupContext, rela: ElfRela, sym: ElfSymbol): void {
  const secSym = ctx.symbols.find((s) => s.type === STT_SECTION && s.st_shndx === sym.st_shndx);
  const section = ctx.patch.sections[sym.st_shndx];
  if (secSym === undefined || section === undefined) {
    throw new TscareError('KPATCH_NO_SECTION_SYMBOL', `${ctx.patch.path}: local symbol ${sym.name} is in section ${sym.st_shndx}, which has no section symbol`, {
      hint: 'link the patched binary with -Wl,-q so that section symbols are kept',
    });
  }
  rela.sym = secSym.index;
  rela.r_addend += sym.st_value - section.sh_addr;
}

/**
 * Step 6: a GOT access to a symbol the patch can reach directly. The applier resolves it
 * to the symbol's own address (no GOT), so the instruction must not dereference: `mov`
 * becomes `lea` (as kpatch_strip does); `call *`/`jmp *` become direct PC32 calls/jumps
 * as ld's relaxation writes them (kpatch_strip leaves them, and they crash); any other
 * instruction is refused.
 */
function relaxGotAccess(ctx: FixupContext, rela: ElfRela, target: SectionHeader, sym: ElfSymbol): void {
  const pos = rela.r_offset - target.sh_addr - 2;
  if (target.sh_type === SHT_NOBITS || pos < 0 || pos + 2 > target.sh_size) return;
  const at = target.sh_offset + pos;
  const [op, modrm] = [ctx.out[at], ctx.out[at + 1]];
  if (op === MOV_OPCODE) {
    ctx.out[at] = LEA_OPCODE;
  } else if (op === 0xff && modrm === 0x15) {
    ctx.out[at] = ADDR32_PREFIX; // addr32 call rel32: same length as call *disp32(%rip)
    ctx.out[at + 1] = CALL_REL32;
    rela.type = R_X86_64_PC32;
  } else if (op === 0xff && modrm === 0x25 && pos + 6 <= target.sh_size) {
    ctx.out[at] = JMP_REL32; // jmp rel32; nop: the displacement moves one byte back
    ctx.out.copy(ctx.out, at + 1, at + 2, at + 6);
    ctx.out[at + 5] = NOP;
    rela.r_offset -= 1;
    rela.type = R_X86_64_PC32;
  } else if (op !== LEA_OPCODE) {
    throw new TscareError('KPATCH_GOTPCREL_UNSUPPORTED', `${ctx.patch.path}: ${target.name}+0x${(pos + 2).toString(16)}: GOT access to ${sym.name} by an instruction (0x${op.toString(16)} 0x${modrm.toString(16)}) that cannot be turned into a direct reference`, {
      hint: 'load the address with a plain mov (e.g. build without -fno-plt or change the access)',
    });
  }
}

function fixOne(ctx: FixupContext, rela: ElfRela, target: SectionHeader): void {
  const sym = ctx.symbols[rela.sym];
  const x86 = ctx.patch.header.e_machine === EM_X86_64;
  if (sym !== undefined && rela.sym !== 0 && sym.type !== STT_SECTION) {
    const home = sym.st_shndx !== SHN_UNDEF && sym.st_shndx < SHN_LORESERVE ? ctx.patch.sections[sym.st_shndx] : undefined;
    if (sym.type === STT_TLS) {
      fixTlsRelocation(ctx.orig, ctx.patch, ctx.symbols, rela, sym, target);
    } else if (x86 && sym.type === STT_GNU_IFUNC && sym.st_shndx !== SHN_UNDEF && (home === undefined || !home.name.startsWith('.kpatch'))) {
      fixLocalIfunc(ctx.orig, ctx.patch, ctx.symbols, rela, sym);
      return;
    } else if (home === undefined || !home.name.startsWith('.kpatch')) {
      if (![STT_NOTYPE, STT_FUNC, STT_OBJECT].includes(sym.type) && sym.bind !== STB_LOCAL) {
        throw new TscareError('KPATCH_SYMBOL_TYPE', `${ctx.patch.path}: the patch refers to ${sym.name}, a global symbol of type ${sym.type}, which cannot be linked at run time`, {
          hint: 'only functions, objects, untyped symbols and IFUNCs can be referred to',
        });
      }
      if (sym.bind === STB_LOCAL && sym.name.startsWith('.')) toSectionSymbol(ctx, rela, sym);
    }
    // Unlike kpatch_strip this also covers symbols of the patch itself (new variables):
    // the applier resolves those without a GOT too.
    if (x86 && sym.type !== STT_TLS && sym.st_shndx !== SHN_UNDEF && GOTPCREL_TYPES.includes(rela.type)) relaxGotAccess(ctx, rela, target, sym);
  }
  if (x86 && rela.type === R_X86_64_PLT32) rela.type = R_X86_64_PC32;
}

/**
 * `kpatch_strip --rel-fixup ORIG PATCH`: rewrites the relocations of the stripped patch
 * so the applier can resolve them (reference §4.2). Returns the new file contents.
 */
export function relFixup(orig: ElfFile, patch: ElfFile): Buffer {
  const symtab = patch.sectionByName('.symtab');
  if (symtab === undefined) {
    throw new TscareError('KPATCH_NO_SYMTAB', `${patch.path}: has no .symtab`, { hint: 'run tscare-kpatch strip on the patched binary first' });
  }
  const ctx: FixupContext = { orig, patch, out: Buffer.from(patch.data), symbols: patch.symbols(symtab) };
  for (const rs of patch.sections) {
    if (rs.sh_type !== SHT_RELA) continue;
    const target = patch.sectionAt(rs.sh_info, `relocation section ${rs.name} sh_info`);
    for (const rela of patch.relocations(rs)) {
      fixOne(ctx, rela, target);
      checkResolvable(patch.header.e_machine, patch.path, rs, rela, ctx.symbols[rela.sym]);
      encodeRela(rela, ctx.out, rs.sh_offset + rela.index * ELF64_RELA_SIZE);
    }
  }
  return ctx.out;
}

