/**
 * The DWARF expression stack machine, for the few expressions x86-64 call-frame information
 * uses (PLT entries' CFA, signal frames' saved registers). Values are 64-bit (BigInt).
 * Unknown operations are errors, never guesses.
 */
import { TscareError } from '@tscare/errors';
import { DwarfCursor } from './dwarf-cursor.js';

export interface ExprContext {
  /** A register's value in the frame being unwound; undefined if not known. */
  reg(n: number): number | undefined;
  /** 8 bytes of target memory (the thread's stack as read at the freeze); undefined if not available. */
  read64(addr: number): number | undefined;
}

const M64 = (1n << 64n) - 1n;

function fail(msg: string): never {
  throw new TscareError('DWARF_UNSUPPORTED', `DWARF expression: ${msg}`);
}

function binary(op: number, a: bigint, b: bigint): bigint {
  const sa = BigInt.asIntN(64, a);
  const sb = BigInt.asIntN(64, b);
  switch (op) {
    case 0x1a: return a & b;
    case 0x1c: return (a - b) & M64;
    case 0x1e: return (a * b) & M64;
    case 0x21: return a | b;
    case 0x22: return (a + b) & M64;
    case 0x24: return (a << b) & M64;
    case 0x25: return a >> b;
    case 0x27: return a ^ b;
    case 0x29: return sa === sb ? 1n : 0n;
    case 0x2a: return sa >= sb ? 1n : 0n;
    case 0x2b: return sa > sb ? 1n : 0n;
    case 0x2c: return sa <= sb ? 1n : 0n;
    case 0x2d: return sa < sb ? 1n : 0n;
    case 0x2e: return sa !== sb ? 1n : 0n;
    default: return fail(`operation 0x${op.toString(16)} is not supported`);
  }
}

const BINARY_OPS = new Set([0x1a, 0x1c, 0x1e, 0x21, 0x22, 0x24, 0x25, 0x27, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e]);

function regValue(ctx: ExprContext, n: number): bigint {
  const v = ctx.reg(n);
  if (v === undefined) fail(`register ${n} is not known in this frame`);
  return BigInt(v);
}

/** Evaluates `expr` with `initial` values pushed first (the CFA, for register rules). */
export function evalDwarfExpr(expr: Buffer, ctx: ExprContext, initial: number[] = []): number {
  const st: bigint[] = initial.map((v) => BigInt(v));
  const pop = (): bigint => st.pop() ?? fail('stack underflow');
  const c = new DwarfCursor(expr, 0, 0, 'DWARF expression');
  while (c.pos < expr.length) {
    const op = c.u8();
    if (op >= 0x30 && op <= 0x4f) st.push(BigInt(op - 0x30)); // lit0..lit31
    else if (op >= 0x70 && op <= 0x8f) st.push((regValue(ctx, op - 0x70) + BigInt(c.sleb())) & M64); // breg0..31
    else if (BINARY_OPS.has(op)) {
      const b = pop();
      st.push(binary(op, pop(), b));
    } else {
      switch (op) {
        case 0x06: { // deref
          const v = ctx.read64(Number(pop()));
          if (v === undefined) fail('dereference outside the stack that was read');
          st.push(BigInt(v));
          break;
        }
        case 0x08: st.push(BigInt(c.u8())); break;
        case 0x0a: st.push(BigInt(c.u16())); break;
        case 0x0c: st.push(BigInt(c.u32())); break;
        case 0x10: st.push(BigInt(c.uleb())); break;
        case 0x11: st.push(BigInt.asUintN(64, BigInt(c.sleb()))); break;
        case 0x12: st.push(st[st.length - 1] ?? fail('stack underflow')); break;
        case 0x13: pop(); break;
        case 0x23: st.push((pop() + BigInt(c.uleb())) & M64); break; // plus_uconst
        case 0x92: { const r = c.uleb(); st.push((regValue(ctx, r) + BigInt(c.sleb())) & M64); break; } // bregx
        default: fail(`operation 0x${op.toString(16)} is not supported`);
      }
    }
  }
  return Number(pop());
}
