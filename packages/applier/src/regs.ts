/**
 * x86_64 `struct user_regs_struct` (216 bytes), as PTRACE_GETREGS fills it.
 * Offsets are those of <sys/user.h>.
 */
export const USER_REGS_SIZE = 216;

const OFFSETS = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, orig_rax: 120, rip: 128, cs: 136,
  eflags: 144, rsp: 152, ss: 160, fs_base: 168, gs_base: 176, ds: 184, es: 192, fs: 200, gs: 208,
} as const;

export type RegName = keyof typeof OFFSETS;

/** Reads a register as an unsigned 64-bit value. */
export function getReg(regs: Buffer, name: RegName): bigint {
  return regs.readBigUInt64LE(OFFSETS[name]);
}

/** Reads a register that holds a user-space address (always below 2^47, so a safe JS number). */
export function getAddr(regs: Buffer, name: RegName): number {
  return Number(regs.readBigUInt64LE(OFFSETS[name]));
}

export function setReg(regs: Buffer, name: RegName, value: bigint | number): void {
  regs.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), OFFSETS[name]);
}
