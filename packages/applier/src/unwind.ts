/**
 * Unwinding a stopped thread from its registers with DWARF call-frame information, using only
 * the stack bytes read at the freeze (no ptrace read per word). Tables are built from each
 * object's ELF file before the freeze; rows are cached by pc, since the threads of one
 * program mostly stand at the same few places.
 */
import { cfaRowAt, type CfaRow, type RegRule } from './cfa-rules.js';
import { evalDwarfExpr, type ExprContext } from './dwarf-expr.js';
import { EhFrame } from './eh-frame.js';
import type { MappedObject } from './objects.js';
import type { ElfFile } from '@tscare/elf';

/** DWARF register number → offset in user_regs_struct (x86-64 psABI numbering; 16 = rip). */
const REG_OFFSETS = [80, 96, 88, 40, 104, 112, 32, 152, 72, 64, 56, 48, 24, 16, 8, 0, 128];
const RSP = 7;
const RIP = 16;
/** rax, rdx, rcx, rsi, rdi, r8–r11: clobbered by a call, unknown in a caller unless a rule says otherwise. */
const CALLER_SAVED = [0, 1, 2, 4, 5, 8, 9, 10, 11];
const MAX_FRAMES = 512;

export interface Frame {
  ip: number;
  /** false for a return address (the call is just before it); true for the top frame and after a signal frame. */
  exact: boolean;
}

export type UnwindResult =
  | { kind: 'complete'; frames: Frame[] }
  | { kind: 'failed'; frames: Frame[]; reason: string };

interface UnwindObject {
  start: number;
  end: number;
  bias: number;
  name: string;
  eh: EhFrame;
}

interface CachedRow {
  row: CfaRow;
  raReg: number;
  signalFrame: boolean;
  /** The common case precompiled (CFA = register + offset, registers saved at CFA + offset): [reg, offset] pairs. */
  simple: number[][] | null;
}

/** Code without call-frame information whose callers are known: an applied patch's mapping. */
export interface PatchCode {
  start: number;
  end: number;
  /** Return addresses of direct calls to the functions this code replaces (see call-sites.ts). */
  returns: ReadonlySet<number>;
}

export interface UnwindTables {
  objects: UnwindObject[];
  patchCode: PatchCode[];
  /** Runtime lookup pc → row (null: no FDE there). Filled during the freeze. */
  rows: Map<number, CachedRow | null>;
}

export interface StackBytes {
  base: number;
  bytes: Buffer;
}

/** Parsed .eh_frame per ELF file, shared by the processes of one run. */
export type EhFrameCache = Map<ElfFile, EhFrame>;

export function buildUnwindTables(objects: readonly MappedObject[], cache: EhFrameCache = new Map()): UnwindTables {
  const out: UnwindObject[] = [];
  for (const o of objects) {
    let eh = cache.get(o.elf);
    if (!eh) {
      try {
        eh = new EhFrame(o.elf);
      } catch {
        continue; // unreadable call-frame data: frames there fall back to the conservative check
      }
      cache.set(o.elf, eh);
    }
    if (eh.size > 0) out.push({ start: o.start, end: o.end, bias: o.bias, name: o.name, eh });
  }
  return { objects: out.sort((a, b) => a.start - b.start), patchCode: [], rows: new Map() };
}

function rowFor(tables: UnwindTables, pc: number): CachedRow | null {
  const hit = tables.rows.get(pc);
  if (hit !== undefined) return hit;
  const obj = tables.objects.find((o) => pc >= o.start && pc < o.end);
  const fde = obj?.eh.find(pc - obj.bias);
  let cached: CachedRow | null = null;
  if (fde && obj) {
    const row = cfaRowAt(fde, pc - obj.bias);
    cached = { row, raReg: fde.cie.raReg, signalFrame: fde.cie.signalFrame, simple: simpleForm(row, fde.cie.raReg) };
  }
  tables.rows.set(pc, cached);
  return cached;
}

function simpleForm(row: CfaRow, raReg: number): number[][] | null {
  if (row.cfa.kind !== 'reg-offset' || raReg !== RIP) return null;
  const pairs: number[][] = [];
  for (const [reg, rule] of row.regs) {
    if (rule.kind === 'offset' && reg <= RIP) pairs.push([reg, rule.offset]);
    else if (rule.kind !== 'same') return null;
  }
  return pairs.some(([reg]) => reg === RIP) ? pairs : null;
}

/** The fast path of stepFrame for rows in simple form (no allocation: it runs per frame in the freeze). */
function stepSimple(cached: CachedRow, regs: Regs, next: Regs, stack: StackBytes): StepResult {
  const cfa0 = cached.row.cfa as { reg: number; offset: number };
  const cfa = regs[cfa0.reg] + cfa0.offset;
  if (Number.isNaN(cfa)) return { kind: 'failed', reason: `CFA at 0x${regs[RIP].toString(16)} depends on a register that is not known` };
  next.set(regs);
  for (const r of CALLER_SAVED) next[r] = NaN;
  for (const [reg, offset] of cached.simple!) next[reg] = read64(stack, cfa + offset) ?? NaN;
  next[RSP] = cfa;
  return finishStep(cached, regs, next, cfa);
}

function finishStep(cached: CachedRow, regs: Regs, next: Regs, cfa: number): StepResult {
  const ip = regs[RIP];
  const ra = next[RIP];
  if (Number.isNaN(ra)) return { kind: 'failed', reason: `return address of the frame at 0x${ip.toString(16)} is outside the stack that was read` };
  // A zero return address ends some hand-written chains, but it is also what a wrong CFA
  // tends to read: not trusted as an end, the rest of the stack is then scanned.
  if (ra === 0) return { kind: 'failed', reason: `return address 0 above 0x${ip.toString(16)}` };
  if (!cached.signalFrame && cfa <= regs[RSP]) return { kind: 'failed', reason: `the stack does not grow at 0x${ip.toString(16)}` };
  return CALLER_STEP[cached.signalFrame ? 1 : 0];
}

function read64(stack: StackBytes, addr: number): number | undefined {
  const off = addr - stack.base;
  if (off < 0 || off + 8 > stack.bytes.length) return undefined;
  return stack.bytes.readUInt32LE(off + 4) * 0x100000000 + stack.bytes.readUInt32LE(off);
}

/** Register values of one frame; NaN = not known. */
type Regs = Float64Array;

function known(v: number): number | undefined {
  return Number.isNaN(v) ? undefined : v;
}

function ruleValue(rule: RegRule | undefined, reg: number, cfa: number, regs: Regs, ctx: ExprContext, stack: StackBytes): number | undefined {
  if (!rule) return CALLER_SAVED.includes(reg) ? undefined : known(regs[reg]);
  switch (rule.kind) {
    case 'undefined': return undefined;
    case 'same': return known(regs[reg]);
    case 'offset': return read64(stack, cfa + rule.offset);
    case 'val-offset': return cfa + rule.offset;
    case 'register': return known(regs[rule.reg]);
    case 'expression': return read64(stack, evalDwarfExpr(rule.expr, ctx, [cfa]));
    case 'val-expression': return evalDwarfExpr(rule.expr, ctx, [cfa]);
  }
}

/**
 * A frame in patch code: the caller's frame starts above the first word up the stack that
 * is the return address of a direct call to a replaced function. Callee-saved registers are
 * unknown from there on (a later frame that needs one fails, and the rest is scanned).
 */
function stepPatchCode(tables: UnwindTables, regs: Regs, next: Regs, stack: StackBytes): StepResult {
  const ip = regs[RIP];
  const code = tables.patchCode.find((p) => ip >= p.start && ip < p.end);
  if (!code) return { kind: 'failed', reason: `no call-frame information for 0x${ip.toString(16)}` };
  for (let addr = regs[RSP]; addr + 8 <= stack.base + stack.bytes.length; addr += 8) {
    const w = read64(stack, addr)!;
    if (!code.returns.has(w)) continue;
    next.fill(NaN);
    next[RSP] = addr + 8;
    next[RIP] = w;
    return CALLER_STEP[0];
  }
  return { kind: 'failed', reason: `no return address of a call to the replaced function above patch code at 0x${ip.toString(16)}` };
}

/** 'caller': `next` holds the caller's registers. */
type StepResult = { kind: 'caller'; exact: boolean } | { kind: 'outermost' } | { kind: 'failed'; reason: string };
const CALLER_STEP: readonly StepResult[] = [{ kind: 'caller', exact: false }, { kind: 'caller', exact: true }];

/** One step: the caller's registers into `next`, or a reason why not; 'outermost' at the end of the chain. */
function stepFrame(tables: UnwindTables, regs: Regs, next: Regs, exact: boolean, stack: StackBytes): StepResult {
  const ip = regs[RIP];
  const cached = rowFor(tables, exact ? ip : ip - 1);
  if (!cached) return stepPatchCode(tables, regs, next, stack);
  if (cached.simple) return stepSimple(cached, regs, next, stack);
  const ctx: ExprContext = { reg: (n) => known(regs[n]), read64: (a) => read64(stack, a) };
  const { row, raReg } = cached;
  const base = row.cfa.kind === 'reg-offset' ? known(regs[row.cfa.reg]) : undefined;
  const cfa = row.cfa.kind === 'reg-offset' ? (base === undefined ? undefined : base + row.cfa.offset) : evalDwarfExpr(row.cfa.expr, ctx);
  if (cfa === undefined) return { kind: 'failed', reason: `CFA at 0x${ip.toString(16)} depends on a register that is not known` };
  const raRule = row.regs.get(raReg);
  if (!raRule || raRule.kind === 'undefined') return { kind: 'outermost' };
  for (let r = 0; r < REG_OFFSETS.length; r++) next[r] = ruleValue(row.regs.get(r), r, cfa, regs, ctx, stack) ?? NaN;
  next[RSP] = cfa;
  next[RIP] = ruleValue(raRule, raReg, cfa, regs, ctx, stack) ?? NaN;
  return finishStep(cached, regs, next, cfa);
}

export function unwindThread(tables: UnwindTables, userRegs: Buffer, stack: StackBytes): UnwindResult {
  let regs: Regs = new Float64Array(REG_OFFSETS.length);
  let next: Regs = new Float64Array(REG_OFFSETS.length);
  // Two 32-bit reads per register: user-space values fit a double exactly below 2^53.
  REG_OFFSETS.forEach((off, r) => { regs[r] = userRegs.readUInt32LE(off + 4) * 0x100000000 + userRegs.readUInt32LE(off); });
  let exact = true;
  const frames: Frame[] = [];
  try {
    for (let depth = 0; depth < MAX_FRAMES; depth++) {
      frames.push({ ip: regs[RIP], exact });
      const s = stepFrame(tables, regs, next, exact, stack);
      if (s.kind === 'outermost') return { kind: 'complete', frames };
      if (s.kind === 'failed') return { kind: 'failed', frames, reason: s.reason };
      [regs, next] = [next, regs];
      exact = s.exact;
    }
  } catch (e) {
    return { kind: 'failed', frames, reason: (e as Error).message };
  }
  return { kind: 'failed', frames, reason: `more than ${MAX_FRAMES} frames` };
}
