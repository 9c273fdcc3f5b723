/**
 * New code that reads or writes data of a shared library the ORIGINAL file never named
 * (`fprintf(stderr, ...)` added by a fix): gcc writes `stderr(%rip)`, and linking the patch
 * would then add a copy relocation, i.e. new `.bss`, which a hot patch cannot have. Such
 * references are rewritten to go through the GOT (`SYM@GOTPCREL(%rip)`), which the patch
 * tools resolve to the library's own variable.
 *
 * Operands (AT&T syntax; N is the symbol offset, gcc writes `SYM+8` and, for C++ vtables, `16+SYM`):
 * `SYM±N(%rip)` (PIE/PIC code), `SYM±N(base,index,scale)` and `$SYM±N` (non-PIE code).
 * Rules, G = `movq SYM@GOTPCREL(%rip)`:
 * - `movl/movq $SYM±N, %R` → `G, %R64` [+ `leaq N(%R64), %R64`]
 * - `leaq SYM±N(%rip), %R64` → `G, %R64` [+ `leaq N(%R64), %R64`]
 * - `call/jmp *SYM…` (a library function pointer) → `G, %r11` + `call *N(%r11…)`: %r11 is free at
 *   any call (caller-saved, never an argument) and a call clobbers the flags anyway.
 * - `mov`/`movz*`/`movs*`/`lea` into a 32- or 64-bit general register R that the address does
 *   not use → `G, %R64` + the instruction with `N(%R64…)` (8/16-bit destinations keep their
 *   upper bits, so they take the next form)
 * - anything else (stores, `%xmm` loads, cmp/test/add/sub/and/or/xor/inc/dec with a memory
 *   operand, byte/word loads): `leaq -128(%rsp), %rsp; pushq %S; G, %S; INSN with N(%S…);
 *   popq %S; leaq 128(%rsp), %rsp`, S a register the instruction does not name (and no REX
 *   register next to %ah-%dh). The red zone below %rsp is stepped over; lea/push/pop/mov do not
 *   change the flags, so flag readers and writers keep their meaning. While %rsp is moved the
 *   CFA gets `.cfi_adjust_cfa_offset` when it is %rsp-based.
 * Instructions that name %rsp, push/pop the operand, or use base AND index with an absolute
 * symbol are refused (`DIFF_GOT_REWRITE`).
 */
import { TscareError } from '@tscare/errors';

/** The 64-bit register a general-register name belongs to (`%sil` → `rsi`), or undefined. */
export function gpr64(reg: string): string | undefined {
  const r = reg.replace(/^%/, '');
  const legacy = /^(?:[re]?([abcd])x|([abcd])[lh])$/.exec(r);
  if (legacy) return `r${legacy[1] ?? legacy[2]}x`;
  const idx = /^(?:[re]?(si|di|bp|sp)|(si|di|bp|sp)l)$/.exec(r);
  if (idx) return `r${idx[1] ?? idx[2]}`;
  const num = /^r(\d+)[dwb]?$/.exec(r);
  if (num && Number(num[1]) >= 8 && Number(num[1]) <= 15) return `r${num[1]}`;
  return undefined;
}

/** Scratch candidates: caller-saved first, none of them special to any instruction gcc emits here. */
const SCRATCH = ['r11', 'r10', 'r9', 'r8', 'rcx', 'rdx', 'rsi', 'rdi', 'rax', 'rbx', 'r12', 'r13', 'r14', 'r15'];

/** A symbol operand: `rip` and `abs` are memory operands, `imm` an address as immediate. */
export interface DataOperand {
  readonly kind: 'rip' | 'abs' | 'imm';
  readonly symbol: string;
  /** `+8`, `-4` or '' */
  readonly offset: string;
  /** For `abs`: the registers inside the parentheses (`%rbx`, `%rdi`) and the scale. */
  readonly base?: string;
  readonly index?: string;
  readonly scale?: string;
  /** Position of the operand in the operand text (from the `$` or the displacement) and its end. */
  readonly start: number;
  readonly end: number;
}

const SYM = String.raw`(?:(\d+)\+)?([A-Za-z_.$][\w.$]*)([+-]\d+)?`;
const RIP = new RegExp(String.raw`(^|[\s,*])${SYM}\(%rip\)`);
const ABS = new RegExp(String.raw`(^|[\s,*])${SYM}\((%\w+)?(?:,(%\w+)(?:,(\d))?)?\)`);
const IMM = new RegExp(String.raw`(^|[\s,])\$${SYM}(?=\s*,)`);

function offsetOf(pre: string | undefined, post: string | undefined): string {
  if (pre === undefined && post === undefined) return '';
  const sum = Number(pre ?? 0) + Number(post ?? 0);
  return sum < 0 ? String(sum) : `+${sum}`;
}

/** The symbol operand of an instruction's operand text, if it names a plain symbol. */
export function dataOperand(operands: string): DataOperand | undefined {
  const rip = RIP.exec(operands);
  if (rip) {
    return { kind: 'rip', symbol: rip[3], offset: offsetOf(rip[2], rip[4]), start: rip.index + rip[1].length, end: rip.index + rip[0].length };
  }
  const abs = ABS.exec(operands);
  if (abs && (abs[5] !== undefined || abs[6] !== undefined)) {
    const [, lead, pre, symbol, post, base, index, scale] = abs;
    return { kind: 'abs', symbol, offset: offsetOf(pre, post), base, index, scale, start: abs.index + lead.length, end: abs.index + abs[0].length };
  }
  const imm = IMM.exec(operands);
  if (imm) return { kind: 'imm', symbol: imm[3], offset: offsetOf(imm[2], imm[4]), start: imm.index + imm[1].length, end: imm.index + imm[0].length };
  return undefined;
}

/** Registers the operand's address uses besides the symbol. */
function addressRegs(op: DataOperand): string[] {
  return [op.base, op.index].filter((r): r is string => r !== undefined).map((r) => gpr64(r) ?? r);
}

/** The operand rewritten to use the GOT-loaded address in `reg`. */
function through(operands: string, op: DataOperand, reg: string): string {
  const disp = op.offset === '' ? '' : String(Number(op.offset));
  const second = op.base ?? op.index;
  const rest = second === undefined ? '' : op.base !== undefined ? `,${op.base}` : `,${op.index}${op.scale ? `,${op.scale}` : ''}`;
  return `${operands.slice(0, op.start)}${disp}(%${reg}${rest})${operands.slice(op.end)}`;
}

export interface GotRewriteInput {
  readonly mnemonic: string;
  readonly operands: string;
  /** Whether the CFA is currently %rsp + offset (then moving %rsp needs CFI). */
  readonly cfaOnRsp: boolean;
  /** For messages. */
  readonly where: string;
}

function refuse(input: GotRewriteInput, op: DataOperand): never {
  throw new TscareError('DIFF_GOT_REWRITE', `${input.where}: '${input.mnemonic} ${input.operands}' reads library data ${op.symbol} in a way that cannot be rewritten to a GOT access`, {
    hint: 'load the variable into a local first in the patched source (e.g. FILE *f = stderr;)',
  });
}

/** A GOT load into `reg`, plus the symbol offset added with lea (which keeps the flags). */
function addressInto(op: DataOperand, reg: string): string[] {
  const lines = [`\tmovq\t${op.symbol}@GOTPCREL(%rip), %${reg}`];
  if (op.offset !== '') lines.push(`\tleaq\t${Number(op.offset)}(%${reg}), %${reg}`);
  return lines;
}

/** Lines (tab-indented, gcc style) replacing the instruction. */
export function rewriteForGot(input: GotRewriteInput, op: DataOperand): string[] {
  const { mnemonic, operands } = input;
  const got = `${op.symbol}@GOTPCREL(%rip)`;
  const regs = [...operands.matchAll(/%(\w+)/g)].map((m) => m[1]).filter((r) => r !== 'rip');
  const last = regs.at(-1);
  const dest = last !== undefined && operands.trimEnd().endsWith(`%${last}`) && op.end < operands.length ? last : undefined;
  const dest64 = dest === undefined ? undefined : gpr64(dest);
  const wide = dest !== undefined && (dest === dest64 || /^e[a-z]{2}$|^r\d+d$/.test(dest));
  if (op.base !== undefined && op.index !== undefined) refuse(input, op);
  if (op.kind === 'imm') {
    if (!/^mov[lq]?$/.test(mnemonic) || !wide || dest64 === undefined || dest64 === 'rsp') refuse(input, op);
    return addressInto(op, dest64);
  }
  if (op.kind === 'rip' && mnemonic === 'leaq' && dest64 !== undefined && dest === dest64) return addressInto(op, dest64);
  if (/^(call|jmp)q?$/.test(mnemonic) && operands.trimStart().startsWith('*')) {
    if (addressRegs(op).includes('r11')) refuse(input, op);
    return [`\tmovq\t${got}, %r11`, `\t${mnemonic}\t${through(operands, op, 'r11')}`];
  }
  // Only a 32- or 64-bit destination may serve as scratch: a write of 8 or 16 bits keeps the
  // register's other bits, which the address loaded into it would have replaced.
  const loadLike = /^(mov(?:[lq]|z\w+|s[bwl][lq]|slq)?|lea[lq])$/.test(mnemonic);
  if (loadLike && wide && dest64 !== undefined && dest64 !== 'rsp' && !addressRegs(op).includes(dest64)) {
    return [`\tmovq\t${got}, %${dest64}`, `\t${mnemonic}\t${through(operands, op, dest64)}`];
  }
  const used = new Set(regs.map((r) => gpr64(r)).filter((r): r is string => r !== undefined));
  if (used.has('rsp') || /^(call|jmp|j[a-z]+|push|pop)/.test(mnemonic)) refuse(input, op);
  // %ah..%dh cannot be encoded next to a REX prefix, which any of %r8..%r15 needs.
  const highByte = regs.some((r) => /^[abcd]h$/.test(r));
  const s = SCRATCH.find((r) => !used.has(r) && !(highByte && /^r\d/.test(r))) as string;
  const adjust = (n: number): string[] => (input.cfaOnRsp ? [`\t.cfi_adjust_cfa_offset ${n}`] : []);
  return [
    '\tleaq\t-128(%rsp), %rsp',
    ...adjust(128),
    `\tpushq\t%${s}`,
    ...adjust(8),
    `\tmovq\t${got}, %${s}`,
    `\t${mnemonic}\t${through(operands, op, s)}`,
    `\tpopq\t%${s}`,
    ...adjust(-8),
    '\tleaq\t128(%rsp), %rsp',
    ...adjust(-128),
  ];
}
