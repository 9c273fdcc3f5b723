/**
 * Linking a patch for one place in one process, entirely outside the freeze: the result is
 * the exact bytes of the mapping (header, jump table, relocated ELF; undo slots still zero)
 * plus the relocated info table.
 */
import { TscareError } from '@tscare/errors';
import { decodeInfoEntries, type KpatchFile, type KpatchInfoEntry } from '@tscare/kpatch';
import { buildJumpTable, sectionAddresses, symbolValues, type LinkContext } from './link-symbols.js';
import { applyRelocations } from './relocate.js';
import { HUNK_SIZE, type PatchLayout } from './layout.js';

export interface LinkedPatch {
  base: number;
  layout: PatchLayout;
  /** `layout.totalMemSize` bytes, written at `base`. */
  image: Buffer;
  /** Absolute addresses, in info-table order (the undo slot index). */
  info: KpatchInfoEntry[];
}

/** Header fields that LibcarePlus fills in the target copy (reference §1.2). */
function writeRuntimeHeader(image: Buffer, kp: KpatchFile, layout: PatchLayout, level: number): void {
  kp.data.copy(image, 0, 0, 504);
  image.writeUInt32LE(layout.jmpOffset, 164);
  image.writeUInt32LE(layout.elfOffset, 168);
  image.writeBigUInt64LE(BigInt(layout.totalMemSize), 176);
  image.writeUInt32LE(layout.userUndo, 184);
  image.writeUInt32LE(layout.userInfo, 188);
  image.writeUInt32LE(level, 192);
}

function checkInfo(kp: KpatchFile, info: KpatchInfoEntry[], base: number, layout: PatchLayout): void {
  info.forEach((e, i) => {
    const newCode = e.saddr >= base && e.saddr + e.slen <= base + layout.codeEnd;
    if (!newCode) {
      throw new TscareError('KPATCH_BAD_INFO', `${kp.path}: info entry ${i}: new code 0x${e.saddr.toString(16)}+${e.slen} is not inside the patch's code`);
    }
    if (e.daddr === 0 && e.dlen === 0) return;
    if (e.dlen < HUNK_SIZE) {
      throw new TscareError('KPATCH_BAD_INFO', `${kp.path}: info entry ${i}: function at 0x${e.daddr.toString(16)} is ${e.dlen} bytes, too small for a ${HUNK_SIZE}-byte jump`);
    }
    const rel = e.saddr - (e.daddr + HUNK_SIZE);
    if (rel < -0x80000000 || rel > 0x7fffffff) {
      throw new TscareError('KPATCH_BAD_INFO', `${kp.path}: info entry ${i}: new code is out of jump range of 0x${e.daddr.toString(16)}`);
    }
  });
}

export function linkPatch(ctx: LinkContext, level: number): LinkedPatch {
  const { kp, layout, base } = ctx;
  const symtab = kp.elf.sections.find((s) => s.name === '.symtab');
  if (!symtab) throw new TscareError('KPATCH_NO_SYMTAB', `${kp.path}: the embedded ELF has no .symtab`, { hint: 'rebuild the patch' });
  const secAddr = sectionAddresses(ctx);
  const values = symbolValues(ctx, kp.elf.symbols(symtab), secAddr);
  const elfImage = Buffer.from(kp.data.subarray(kp.header.kpatch_offset, kp.header.total_size));
  applyRelocations({ kp, image: elfImage, secAddr, values, bias: ctx.bias });

  const image = Buffer.alloc(layout.totalMemSize);
  writeRuntimeHeader(image, kp, layout, level);
  if (layout.jmpEntries > 0) buildJumpTable(values, layout.jmpEntries).copy(image, layout.jmpOffset);
  elfImage.copy(image, layout.elfOffset);
  const infoBytes = elfImage.subarray(kp.infoSection.sh_offset, kp.infoSection.sh_offset + kp.infoSection.sh_size);
  const info = decodeInfoEntries(infoBytes).slice(0, kp.infoCount);
  checkInfo(kp, info, base, layout);
  return { base, layout, image, info };
}
