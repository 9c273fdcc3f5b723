/**
 * Giving every symbol of the patch its run-time value: sections of the patch live in the new
 * mapping, NOBITS sections stand for the original object's sections (link address + bias),
 * and undefined globals come from the process's libraries (one jump-table entry each).
 */
import { TscareError } from '@tscare/errors';
import {
  SHN_ABS, SHN_LORESERVE, SHN_UNDEF, SHT_NOBITS, STB_GLOBAL, STB_WEAK, STT_GNU_IFUNC, STT_SECTION, STT_TLS,
  type ElfSymbol,
} from '@tscare/elf';
import type { KpatchFile } from '@tscare/kpatch';
import type { PatchLayout } from './layout.js';
import type { ResolvedSymbol } from './symbol-resolver.js';

export interface SymbolValue {
  sym: ElfSymbol;
  /** Run-time value: an address for everything but TLS symbols. */
  value: number;
  /** Undefined globals: the jump-table entry (its address field at +8 doubles as a GOT slot). */
  trampoline?: number;
  /** Where the definition came from, for messages and for the IFUNC check. */
  resolvedType?: number;
}

export interface LinkContext {
  kp: KpatchFile;
  layout: PatchLayout;
  /** Mapping start in the target. */
  base: number;
  /** Load bias of the object being patched. */
  bias: number;
  /** Resolves an imported symbol; IFUNCs must already be turned into their final address. */
  resolve: (name: string) => ResolvedSymbol | undefined;
}

export function sectionAddresses(ctx: LinkContext): number[] {
  const { kp, layout, base, bias } = ctx;
  return kp.elf.sections.map((s) => {
    if (s.index === 0) return 0;
    if (s.sh_type !== SHT_NOBITS) return base + layout.elfOffset + s.sh_offset;
    return s.sh_addr !== 0 ? s.sh_addr + bias : 0;
  });
}

function importSymbol(ctx: LinkContext, sym: ElfSymbol, slot: number): SymbolValue {
  const r = ctx.resolve(sym.name);
  if (!r) {
    if (sym.bind === STB_WEAK) return { sym, value: 0 };
    throw new TscareError('SYMBOL_UNRESOLVED', `${ctx.kp.path}: symbol ${sym.name} is not defined by the executable or any library loaded in the process`, {
      hint: 'the patch needs a library the process has not loaded; nothing was changed',
    });
  }
  if (r.type === STT_GNU_IFUNC) {
    throw new TscareError('SYMBOL_IFUNC_UNRESOLVED', `symbol ${sym.name} in ${r.object.path} is an IFUNC that was not resolved in the target`);
  }
  const trampoline = sym.bind === STB_GLOBAL ? ctx.base + ctx.layout.jmpOffset + 16 + 16 * slot : undefined;
  return { sym, value: r.address, trampoline, resolvedType: r.type };
}

export function symbolValues(ctx: LinkContext, symbols: readonly ElfSymbol[], secAddr: readonly number[]): SymbolValue[] {
  let slot = 0;
  return symbols.map((sym): SymbolValue => {
    if (sym.index === 0) return { sym, value: 0 };
    // A thread-local variable of another object is reached through the original's GOT slot
    // (rel-fixup points the relocation there; relocate.ts uses its addend): no lookup, no slot.
    if (sym.st_shndx === SHN_UNDEF && sym.type === STT_TLS) return { sym, value: 0 };
    if (sym.st_shndx === SHN_UNDEF) {
      const v = importSymbol(ctx, sym, slot);
      if (sym.bind === STB_GLOBAL) slot++;
      return v;
    }
    if (sym.type === STT_SECTION) return { sym, value: secAddr[sym.st_shndx] ?? 0 };
    if (sym.type === STT_TLS || sym.st_shndx === SHN_ABS) return { sym, value: sym.st_value };
    if (sym.st_shndx >= SHN_LORESERVE) {
      throw new TscareError('KPATCH_BAD_SYMBOL', `${ctx.kp.path}: symbol ${sym.name} has unsupported section index 0x${sym.st_shndx.toString(16)}`);
    }
    return { sym, value: sym.st_value + (secAddr[sym.st_shndx] ?? 0) };
  });
}

/** The jump table: {u32 size, u32 used, u32 max, pad} then `jmp *2(%rip); nop; nop; .quad addr` per import. */
export function buildJumpTable(values: readonly SymbolValue[], entries: number): Buffer {
  const table = Buffer.alloc(16 + 16 * entries);
  const imports = values.filter((v) => v.trampoline !== undefined);
  table.writeUInt32LE(table.length, 0);
  table.writeUInt32LE(imports.length, 4);
  table.writeUInt32LE(entries, 8);
  imports.forEach((v, i) => {
    Buffer.from([0xff, 0x25, 0x02, 0x00, 0x00, 0x00, 0x90, 0x90]).copy(table, 16 + 16 * i);
    table.writeBigUInt64LE(BigInt(v.value), 16 + 16 * i + 8);
  });
  return table;
}
