/**
 * Runs the call-frame instructions of a CIE and FDE up to a pc and gives the row that holds
 * there (DWARF 5 §6.4.2): how to compute the CFA and where each register was saved.
 * An instruction we do not implement is an error, so the caller falls back to the
 * conservative check; it never yields a guess.
 */
import { TscareError } from '@tscare/errors';
import { DwarfCursor } from './dwarf-cursor.js';
import type { Fde } from './eh-frame.js';

export type CfaRule =
  | { kind: 'reg-offset'; reg: number; offset: number }
  | { kind: 'expression'; expr: Buffer };

export type RegRule =
  | { kind: 'undefined' }
  | { kind: 'same' }
  | { kind: 'offset'; offset: number }
  | { kind: 'val-offset'; offset: number }
  | { kind: 'register'; reg: number }
  | { kind: 'expression'; expr: Buffer }
  | { kind: 'val-expression'; expr: Buffer };

export interface CfaRow {
  cfa: CfaRule;
  /** Registers not in the map keep their value (the x86-64 psABI's callee-saved convention). */
  regs: Map<number, RegRule>;
}

interface State {
  row: CfaRow;
  initial: Map<number, RegRule>;
  stack: CfaRow[];
  loc: number;
}

function copyRow(r: CfaRow): CfaRow {
  return { cfa: r.cfa, regs: new Map(r.regs) };
}

function block(c: DwarfCursor): Buffer {
  const len = c.uleb();
  const b = c.data.subarray(c.pos, c.pos + len);
  c.pos += len;
  return b;
}

/** One instruction with a low-6-bit opcode; false when `pc` is reached (stop before the advance). */
function step(c: DwarfCursor, op: number, s: State, fde: Fde, pc: number): boolean {
  const { codeAlign, dataAlign } = fde.cie;
  const advance = (delta: number): boolean => {
    if (s.loc + delta * codeAlign > pc) return false;
    s.loc += delta * codeAlign;
    return true;
  };
  const cfaRegOffset = (): { reg: number; offset: number } => {
    if (s.row.cfa.kind !== 'reg-offset') throw new TscareError('DWARF_BAD_CFA', 'CFA offset change after a CFA expression');
    return s.row.cfa;
  };
  switch (op) {
    case 0x00: return true; // nop
    case 0x02: return advance(c.u8());
    case 0x03: return advance(c.u16());
    case 0x04: return advance(c.u32());
    case 0x05: s.row.regs.set(c.uleb(), { kind: 'offset', offset: c.uleb() * dataAlign }); return true;
    case 0x06: { const r = c.uleb(); restore(s, r); return true; }
    case 0x07: s.row.regs.set(c.uleb(), { kind: 'undefined' }); return true;
    case 0x08: s.row.regs.set(c.uleb(), { kind: 'same' }); return true;
    case 0x09: { const r = c.uleb(); s.row.regs.set(r, { kind: 'register', reg: c.uleb() }); return true; }
    case 0x0a: s.stack.push(copyRow(s.row)); return true; // remember_state
    case 0x0b: { // restore_state: the whole remembered row, CFA rule included (as libgcc does)
      const saved = s.stack.pop();
      if (!saved) throw new TscareError('DWARF_BAD_CFA', 'DW_CFA_restore_state without remember_state');
      s.row = saved;
      return true;
    }
    case 0x0c: s.row.cfa = { kind: 'reg-offset', reg: c.uleb(), offset: c.uleb() }; return true;
    case 0x0d: s.row.cfa = { kind: 'reg-offset', reg: c.uleb(), offset: s.row.cfa.kind === 'reg-offset' ? s.row.cfa.offset : 0 }; return true;
    case 0x0e: s.row.cfa = { kind: 'reg-offset', reg: cfaRegOffset().reg, offset: c.uleb() }; return true;
    case 0x0f: s.row.cfa = { kind: 'expression', expr: block(c) }; return true;
    case 0x10: { const r = c.uleb(); s.row.regs.set(r, { kind: 'expression', expr: block(c) }); return true; }
    case 0x11: { const r = c.uleb(); s.row.regs.set(r, { kind: 'offset', offset: c.sleb() * dataAlign }); return true; }
    case 0x12: { const r = c.uleb(); s.row.cfa = { kind: 'reg-offset', reg: r, offset: c.sleb() * dataAlign }; return true; }
    case 0x13: s.row.cfa = { kind: 'reg-offset', reg: cfaRegOffset().reg, offset: c.sleb() * dataAlign }; return true;
    case 0x14: { const r = c.uleb(); s.row.regs.set(r, { kind: 'val-offset', offset: c.uleb() * dataAlign }); return true; }
    case 0x15: { const r = c.uleb(); s.row.regs.set(r, { kind: 'val-offset', offset: c.sleb() * dataAlign }); return true; }
    case 0x16: { const r = c.uleb(); s.row.regs.set(r, { kind: 'val-expression', expr: block(c) }); return true; }
    case 0x2e: c.uleb(); return true; // GNU_args_size: about outgoing arguments, not the CFA
    case 0x2f: { const r = c.uleb(); s.row.regs.set(r, { kind: 'offset', offset: -c.uleb() * dataAlign }); return true; }
    default:
      throw new TscareError('DWARF_UNSUPPORTED', `call-frame instruction 0x${op.toString(16)} is not supported`);
  }
}

function restore(s: State, reg: number): void {
  const r = s.initial.get(reg);
  if (r) s.row.regs.set(reg, r);
  else s.row.regs.delete(reg);
}

/** Runs one instruction list; false when it stopped at `pc`. */
function run(code: Buffer, s: State, fde: Fde, pc: number): boolean {
  const c = new DwarfCursor(code, 0, 0, 'call-frame instructions');
  while (c.pos < code.length) {
    const byte = c.u8();
    const high = byte & 0xc0;
    const low = byte & 0x3f;
    if (high === 0x40) {
      if (s.loc + low * fde.cie.codeAlign > pc) return false;
      s.loc += low * fde.cie.codeAlign;
    } else if (high === 0x80) s.row.regs.set(low, { kind: 'offset', offset: c.uleb() * fde.cie.dataAlign });
    else if (high === 0xc0) restore(s, low);
    else if (!step(c, low, s, fde, pc)) return false;
  }
  return true;
}

/** The row in effect at `pc` (a link-time address inside the FDE). */
export function cfaRowAt(fde: Fde, pc: number): CfaRow {
  const s: State = { row: { cfa: { kind: 'reg-offset', reg: 7, offset: 8 }, regs: new Map() }, initial: new Map(), stack: [], loc: fde.pcBegin };
  run(fde.cie.initial, s, fde, Number.MAX_SAFE_INTEGER);
  s.initial = new Map(s.row.regs);
  s.loc = fde.pcBegin;
  run(fde.instructions, s, fde, pc);
  return s.row;
}
