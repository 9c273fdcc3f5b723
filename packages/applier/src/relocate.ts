/**
 * Applying the patch's RELA relocations to a local copy of its ELF (x86_64). Unlike
 * LibcarePlus, every 32-bit field is range-checked: a value that does not fit is an error,
 * never a silent truncation.
 */
import { TscareError } from '@tscare/errors';
import {
  R_X86_64_32, R_X86_64_32S, R_X86_64_64, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_GOTTPOFF, R_X86_64_NONE,
  R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_REX_GOTPCRELX, SHN_UNDEF, SHT_NOBITS, SHT_RELA, STT_OBJECT, STT_TLS,
  type ElfRela, type SectionHeader,
} from '@tscare/elf';
import type { KpatchFile } from '@tscare/kpatch';
import type { SymbolValue } from './link-symbols.js';

export interface RelocContext {
  kp: KpatchFile;
  /** The ELF bytes being relocated (file offsets = section sh_offset). */
  image: Buffer;
  secAddr: readonly number[];
  values: readonly SymbolValue[];
  bias: number;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function fail(ctx: RelocContext, target: SectionHeader, r: ElfRela, why: string): never {
  const name = ctx.values[r.sym]?.sym.name || `symbol #${r.sym}`;
  throw new TscareError('RELOC_FAILED', `${ctx.kp.path}: relocation ${r.index} (type ${r.type}) in ${target.name} at +0x${r.r_offset.toString(16)} against ${name}: ${why}`, {
    hint: 'nothing was changed in the process',
  });
}

function writeS32(ctx: RelocContext, target: SectionHeader, r: ElfRela, value: number): void {
  if (value < INT32_MIN || value > INT32_MAX) fail(ctx, target, r, `value ${value} does not fit in a signed 32-bit field (out of ±2 GiB reach)`);
  ctx.image.writeInt32LE(value, target.sh_offset + r.r_offset);
}

/** PC32 against an import: the real address when it is in reach, the trampoline for far calls. */
function importPcTarget(ctx: RelocContext, target: SectionHeader, r: ElfRela, v: SymbolValue, place: number): number {
  const direct = v.value + r.r_addend - place;
  if (direct >= INT32_MIN && direct <= INT32_MAX) return v.value;
  if (v.resolvedType === STT_OBJECT || v.trampoline === undefined) {
    fail(ctx, target, r, `data at 0x${v.value.toString(16)} is out of ±2 GiB reach of the patch`);
  }
  return v.trampoline;
}

/** GOT-style loads: through the jump-table slot for imports, or turned into `lea` for local symbols. */
function gotTarget(ctx: RelocContext, target: SectionHeader, r: ElfRela, v: SymbolValue): number {
  if (v.sym.type === STT_TLS || r.type === R_X86_64_GOTTPOFF) {
    // rel-fixup put the ORIGINAL GOT slot's link address in the addend (reference §4.2).
    if (v.sym.type !== STT_TLS) fail(ctx, target, r, 'GOTTPOFF against a non-TLS symbol');
    return ctx.bias - 4; // the caller adds the addend: A + bias - 4 - P
  }
  if (v.sym.st_shndx === SHN_UNDEF) {
    if (v.trampoline === undefined) fail(ctx, target, r, 'GOT reference to an undefined weak symbol');
    return v.trampoline + 8;
  }
  const at = target.sh_offset + r.r_offset - 2;
  const opcode = ctx.image[at];
  if (opcode === 0x8b) ctx.image[at] = 0x8d; // mov foo@GOTPCREL(%rip) → lea foo(%rip): same length, no GOT needed
  else if (opcode !== 0x8d) fail(ctx, target, r, `GOT reference by an instruction (opcode 0x${opcode.toString(16)}) that cannot be turned into lea`);
  return v.value;
}

function applyOne(ctx: RelocContext, target: SectionHeader, r: ElfRela, isInfo: boolean): void {
  const v = ctx.values[r.sym];
  if (v === undefined) fail(ctx, target, r, 'symbol index out of range');
  const width = r.type === R_X86_64_64 ? 8 : r.type === R_X86_64_NONE ? 0 : 4;
  if (r.r_offset + width > target.sh_size) fail(ctx, target, r, `offset beyond the section's ${target.sh_size} bytes`);
  const place = ctx.secAddr[target.index] + r.r_offset;
  const off = target.sh_offset + r.r_offset;
  switch (r.type) {
    case R_X86_64_NONE:
      return;
    case R_X86_64_64:
      ctx.image.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v.value) + BigInt(r.r_addend)), off);
      return;
    case R_X86_64_32: {
      const val = v.value + r.r_addend;
      if (val < 0 || val > 0xffffffff) fail(ctx, target, r, `value 0x${val.toString(16)} does not fit in 32 bits`);
      ctx.image.writeUInt32LE(val, off);
      return;
    }
    case R_X86_64_32S:
      writeS32(ctx, target, r, v.value + r.r_addend);
      return;
    case R_X86_64_PC32:
    case R_X86_64_PLT32: {
      const s = v.sym.st_shndx === SHN_UNDEF && !isInfo && v.value !== 0 ? importPcTarget(ctx, target, r, v, place) : v.value;
      writeS32(ctx, target, r, s + r.r_addend - place);
      return;
    }
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX:
    case R_X86_64_GOTTPOFF:
      writeS32(ctx, target, r, gotTarget(ctx, target, r, v) + r.r_addend - place);
      return;
    default:
      fail(ctx, target, r, 'relocation type not supported in a patch');
  }
}

/** Relocates every RELA section that applies to a section the patch carries. */
export function applyRelocations(ctx: RelocContext): void {
  const { elf } = ctx.kp;
  for (const rela of elf.sections) {
    if (rela.sh_type !== SHT_RELA) continue;
    const target = elf.sections[rela.sh_info];
    if (!target || target.sh_type === SHT_NOBITS || target.index === 0) continue;
    const isInfo = target.name === '.kpatch.info';
    for (const r of elf.relocations(rela)) applyOne(ctx, target, r, isInfo);
  }
}
