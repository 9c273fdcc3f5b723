/**
 * The .eh_frame of one ELF object (x86-64 DWARF CFI as gcc and binutils emit it): finds the
 * FDE that covers a pc and decodes it and its CIE. The lookup table comes from
 * .eh_frame_hdr (PT_GNU_EH_FRAME) when present, else from a walk of .eh_frame. Everything
 * is read from the ELF file; link-time addresses throughout (the caller subtracts the bias).
 */
import { TscareError } from '@tscare/errors';
import { PT_LOAD, type ElfFile } from '@tscare/elf';
import { DW_EH_PE_omit, DwarfCursor } from './dwarf-cursor.js';

const PT_GNU_EH_FRAME = 0x6474e550;
/** datarel | sdata4: the only table encoding binutils writes. */
const HDR_TABLE_ENC = 0x3b;

export interface Cie {
  codeAlign: number;
  dataAlign: number;
  /** DWARF register holding the return address (16 = rip on x86-64). */
  raReg: number;
  fdeEnc: number;
  /** 'S' augmentation: frames of this CIE are signal frames (their pc is exact, not a return address). */
  signalFrame: boolean;
  initial: Buffer;
}

export interface Fde {
  pcBegin: number;
  pcEnd: number;
  cie: Cie;
  instructions: Buffer;
}

interface Region {
  /** Link-time address of data[0] (segment vaddr minus its file offset). */
  vaddr: number;
  start: number;
  end: number;
}

function regionOf(elf: ElfFile, vaddr: number): Region | undefined {
  const ph = elf.programHeaders.find((p) => p.p_type === PT_LOAD && vaddr >= p.p_vaddr && vaddr < p.p_vaddr + p.p_filesz);
  if (!ph) return undefined;
  return { vaddr: ph.p_vaddr - ph.p_offset, start: ph.p_offset, end: ph.p_offset + ph.p_filesz };
}

export class EhFrame {
  /** Sorted initial locations and the FDE address of each. */
  private readonly pcs: number[] = [];
  private readonly fdes: number[] = [];
  private readonly cies = new Map<number, Cie>();
  private readonly region: Region | undefined;

  constructor(private readonly elf: ElfFile) {
    const hdr = elf.programHeaders.find((p) => p.p_type === PT_GNU_EH_FRAME);
    const section = elf.sectionByName('.eh_frame');
    const ehAddr = hdr ? this.readHdr(hdr.p_vaddr) : section?.sh_addr;
    this.region = ehAddr === undefined ? undefined : regionOf(elf, ehAddr);
    if (ehAddr !== undefined && this.pcs.length === 0) this.walk(ehAddr, section?.sh_size);
  }

  get size(): number {
    return this.pcs.length;
  }

  private cursor(vaddr: number): DwarfCursor {
    const r = this.region!;
    return new DwarfCursor(this.elf.data.subarray(0, r.end), vaddr - r.vaddr, r.vaddr, `${this.elf.path} .eh_frame`);
  }

  /** Reads .eh_frame_hdr: fills the table when it has one; returns the .eh_frame address. */
  private readHdr(hdrAddr: number): number | undefined {
    const r = regionOf(this.elf, hdrAddr);
    if (!r) return undefined;
    const c = new DwarfCursor(this.elf.data.subarray(0, r.end), hdrAddr - r.vaddr, r.vaddr, `${this.elf.path} .eh_frame_hdr`);
    if (c.u8() !== 1) return undefined;
    const ptrEnc = c.u8();
    const countEnc = c.u8();
    const tableEnc = c.u8();
    const ehFrame = c.encoded(ptrEnc, hdrAddr);
    if (countEnc === DW_EH_PE_omit || tableEnc !== HDR_TABLE_ENC) return ehFrame;
    const count = c.encoded(countEnc, hdrAddr);
    for (let i = 0; i < count; i++) {
      this.pcs.push(c.encoded(tableEnc, hdrAddr));
      this.fdes.push(c.encoded(tableEnc, hdrAddr));
    }
    return ehFrame;
  }

  /** Without a usable header: walk every entry of .eh_frame and sort the FDEs by pc. */
  private walk(ehAddr: number, size: number | undefined): void {
    if (!this.region) return;
    const limit = size !== undefined ? ehAddr + size : this.region.vaddr + this.region.end;
    const found: [number, number][] = [];
    for (let at = ehAddr; at + 4 <= limit;) {
      const c = this.cursor(at);
      const len = c.u32();
      if (len === 0) break;
      if (len === 0xffffffff) throw new TscareError('DWARF_UNSUPPORTED', `${this.elf.path}: 64-bit .eh_frame entries are not supported`);
      const body = c.pos;
      if (c.u32() !== 0) found.push([this.fdeAt(at).pcBegin, at]);
      at = c.vaddr + body + len;
    }
    found.sort((a, b) => a[0] - b[0]);
    for (const [pc, fde] of found) {
      this.pcs.push(pc);
      this.fdes.push(fde);
    }
  }

  /** The FDE covering `pc`, or undefined (no unwind information there). */
  find(pc: number): Fde | undefined {
    let lo = 0;
    let hi = this.pcs.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.pcs[mid] <= pc) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    const fde = this.fdeAt(this.fdes[best]);
    return pc < fde.pcEnd ? fde : undefined;
  }

  private fdeAt(at: number): Fde {
    const c = this.cursor(at);
    const len = c.u32();
    const end = c.pos + len;
    const idPos = c.pos;
    const cie = this.cieAt(c.vaddr + idPos - c.u32());
    const pcBegin = c.encoded(cie.fdeEnc);
    const pcRange = c.rawEncoded(cie.fdeEnc & 0x0f);
    if (cie.augmented) c.pos += c.uleb();
    return { pcBegin, pcEnd: pcBegin + pcRange, cie, instructions: c.data.subarray(c.pos, end) };
  }

  private cieAt(at: number): Cie & { augmented: boolean } {
    const cached = this.cies.get(at) as (Cie & { augmented: boolean }) | undefined;
    if (cached) return cached;
    const c = this.cursor(at);
    const len = c.u32();
    const end = c.pos + len;
    if (c.u32() !== 0) throw new TscareError('DWARF_BAD_CIE', `${this.elf.path}: no CIE at 0x${at.toString(16)}`);
    const version = c.u8();
    let aug = '';
    for (let b = c.u8(); b !== 0; b = c.u8()) aug += String.fromCharCode(b);
    const codeAlign = c.uleb();
    const dataAlign = c.sleb();
    const raReg = version === 1 ? c.u8() : c.uleb();
    const cie: Cie & { augmented: boolean } = { codeAlign, dataAlign, raReg, fdeEnc: 0, signalFrame: false, initial: Buffer.alloc(0), augmented: aug.startsWith('z') };
    if (cie.augmented) {
      const augEnd = c.uleb() + c.pos;
      for (const ch of aug.slice(1)) {
        if (ch === 'R') cie.fdeEnc = c.u8();
        else if (ch === 'L') c.u8();
        else if (ch === 'P') c.encoded(c.u8() & 0x7f);
        else if (ch === 'S') cie.signalFrame = true;
        else throw new TscareError('DWARF_UNSUPPORTED', `${this.elf.path}: CIE augmentation "${aug}" is not supported`);
      }
      c.pos = augEnd;
    } else if (aug !== '') {
      throw new TscareError('DWARF_UNSUPPORTED', `${this.elf.path}: CIE augmentation "${aug}" is not supported`);
    }
    cie.initial = c.data.subarray(c.pos, end);
    this.cies.set(at, cie);
    return cie;
  }
}
