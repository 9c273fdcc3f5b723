/**
 * A read cursor over DWARF call-frame data (.eh_frame, .eh_frame_hdr, CFA programs):
 * fixed-size integers, LEB128, and the DW_EH_PE pointer encodings (LSB 2022, §10.5).
 * Addresses are link-time virtual addresses of the object; `vaddr` is the address of byte 0
 * of `data`, so pc-relative values can be resolved.
 */
import { TscareError } from '@tscare/errors';

export const DW_EH_PE_omit = 0xff;
const DW_EH_PE_absptr = 0x00;
const DW_EH_PE_uleb128 = 0x01;
const DW_EH_PE_udata2 = 0x02;
const DW_EH_PE_udata4 = 0x03;
const DW_EH_PE_udata8 = 0x04;
const DW_EH_PE_sleb128 = 0x09;
const DW_EH_PE_sdata2 = 0x0a;
const DW_EH_PE_sdata4 = 0x0b;
const DW_EH_PE_sdata8 = 0x0c;
const DW_EH_PE_pcrel = 0x10;
const DW_EH_PE_datarel = 0x30;
const DW_EH_PE_indirect = 0x80;

export class DwarfCursor {
  constructor(readonly data: Buffer, public pos: number, readonly vaddr: number, readonly where: string) {}

  private need(n: number): void {
    if (this.pos + n > this.data.length) {
      throw new TscareError('DWARF_TRUNCATED', `${this.where}: call-frame data ends at byte ${this.pos} (${n} more needed)`);
    }
  }

  u8(): number {
    this.need(1);
    return this.data[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.data.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.data.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  s32(): number {
    this.need(4);
    const v = this.data.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** 64-bit values as numbers: addresses and lengths here stay far below 2^53. */
  u64(): number {
    this.need(8);
    const v = Number(this.data.readBigUInt64LE(this.pos));
    this.pos += 8;
    return v;
  }

  s64(): number {
    this.need(8);
    const v = Number(this.data.readBigInt64LE(this.pos));
    this.pos += 8;
    return v;
  }

  uleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return result;
    }
  }

  sleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return (b & 0x40) !== 0 ? result - mul : result;
    }
  }

  /** The value of a DW_EH_PE-encoded field; `dataBase` is what datarel is relative to. */
  encoded(enc: number, dataBase = 0): number {
    if (enc === DW_EH_PE_omit) return 0;
    const at = this.vaddr + this.pos;
    let v = this.rawEncoded(enc & 0x0f);
    switch (enc & 0x70) {
      case 0: break;
      case DW_EH_PE_pcrel: v += at; break;
      case DW_EH_PE_datarel: v += dataBase; break;
      default:
        throw new TscareError('DWARF_UNSUPPORTED', `${this.where}: pointer encoding 0x${enc.toString(16)} is not supported`);
    }
    if ((enc & DW_EH_PE_indirect) !== 0) {
      throw new TscareError('DWARF_UNSUPPORTED', `${this.where}: indirect pointer encoding 0x${enc.toString(16)} is not supported`);
    }
    return v;
  }

  /** The format part of an encoding only (an FDE's address range has no application part). */
  rawEncoded(format: number): number {
    switch (format) {
      case DW_EH_PE_absptr: return this.u64();
      case DW_EH_PE_uleb128: return this.uleb();
      case DW_EH_PE_udata2: return this.u16();
      case DW_EH_PE_udata4: return this.u32();
      case DW_EH_PE_udata8: return this.u64();
      case DW_EH_PE_sleb128: return this.sleb();
      case DW_EH_PE_sdata2: { const v = this.u16(); return v >= 0x8000 ? v - 0x10000 : v; }
      case DW_EH_PE_sdata4: return this.s32();
      case DW_EH_PE_sdata8: return this.s64();
      default:
        throw new TscareError('DWARF_UNSUPPORTED', `${this.where}: pointer format 0x${format.toString(16)} is not supported`);
    }
  }

  /** The size in bytes of a fixed-size encoding (for binary search in .eh_frame_hdr); 0 if variable. */
  static fixedSize(enc: number): number {
    const sizes: Record<number, number> = { 0x00: 8, 0x02: 2, 0x03: 4, 0x04: 8, 0x0a: 2, 0x0b: 4, 0x0c: 8 };
    return sizes[enc & 0x0f] ?? 0;
  }
}
