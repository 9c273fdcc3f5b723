/**
 * The GOT rewrite keeps each instruction's meaning: every form runs twice on a real CPU, as
 * gcc wrote it and rewritten, against a variable of a real shared library, from the same
 * registers (general, %xmm0-3) and flags; afterwards all registers, the flags, the variable
 * and a value left in the red zone must be the same.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rewriteForGot, dataOperand } from './got-rewrite.js';
import { FORMS, NON_PIE_FORMS } from './test-support/got-forms.js';
import { scratchDir } from './test-support/toolchain.js';

/** State layout shared with the C driver: rax..r15 (rsp slot unused), xmm0-3, flags, red-zone word. */
const GPR = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function harness(name: string, body: string[]): string[] {
  const load = GPR.map((r, i) => (r === 'rsp' || r === 'rdi' ? '' : `\tmovq\t${8 * i}(%rdi), %${r}`)).filter((l) => l !== '');
  const store = GPR.map((r, i) => (r === 'rsp' || r === 'rdi' ? '' : `\tmovq\t%${r}, ${8 * i}(%rdi)`)).filter((l) => l !== '');
  const saved = ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15'];
  return [
    `\t.globl\t${name}`, `\t.type\t${name}, @function`, `${name}:`, '\t.cfi_startproc',
    ...saved.map((r) => `\tpushq\t%${r}`), '\tpushq\t%rdi',
    ...[0, 1, 2, 3].map((x) => `\tmovdqu\t${128 + 16 * x}(%rdi), %xmm${x}`),
    '\tpushq\t192(%rdi)', '\tpopfq', ...load, '\tmovq\t40(%rdi), %rdi',
    // A value in the red zone, which the rewritten code must not touch.
    '\tmovq\t$0x5a5a5a5a, -8(%rsp)',
    ...body,
    '\tleaq\t-256(%rsp), %rsp', '\tpushfq', '\tpushq\t%rdi', '\tmovq\t272(%rsp), %rdi', ...store,
    '\tmovq\t264(%rsp), %rax', '\tmovq\t%rax, 200(%rdi)',
    ...[0, 1, 2, 3].map((x) => `\tmovdqu\t%xmm${x}, ${128 + 16 * x}(%rdi)`),
    '\tpopq\t40(%rdi)', '\tpopq\t192(%rdi)', '\tleaq\t256(%rsp), %rsp', '\taddq\t$8, %rsp',
    ...[...saved].reverse().map((r) => `\tpopq\t%${r}`), '\tret', '\t.cfi_endproc', `\t.size\t${name}, .-${name}`,
  ];
}

const DRIVER = `#include <stdio.h>
#include <string.h>
struct state { unsigned long r[16]; unsigned char x[64]; unsigned long flags, redzone; };
extern unsigned char ext[64];
typedef void fn(struct state *);
extern fn *direct[], *rewritten[];
extern int nforms;
static void init(struct state *s) {
	/* %rax..%rdi (0..5) are small: non-PIE forms use them as base and index. */
	for (int i = 0; i < 16; i++) s->r[i] = i < 6 ? (unsigned long)i : 0x1111111111111111UL * (unsigned long)(i + 1) ^ 0x0102030405060708UL;
	for (int i = 0; i < 64; i++) s->x[i] = (unsigned char)(i * 7 + 3);
	s->flags = 0x8c5; /* CF PF ZF SF OF set: not DF, not TF */
	s->redzone = 0;
}
static void fill(void) { for (int i = 0; i < 64; i++) ext[i] = (unsigned char)(200 - i); }
int main(void) {
	for (int i = 0; i < nforms; i++) {
		struct state a, b; unsigned char ea[64];
		init(&a); init(&b);
		fill(); direct[i](&a); memcpy(ea, ext, 64);
		fill(); rewritten[i](&b);
		a.flags &= 0x8d5; b.flags &= 0x8d5;
		int same = memcmp(&a, &b, sizeof a) == 0 && memcmp(ea, ext, 64) == 0 && a.redzone == 0x5a5a5a5a;
		printf("%d %s\\n", i, same ? "same" : "DIFFERENT");
	}
	return 0;
}
`;

function build(dir: string, forms: typeof FORMS, pie: boolean): string {
  writeFileSync(join(dir, 'lib.c'), '__attribute__((aligned(16))) unsigned char ext[64];\n');
  const asm: string[] = ['\t.text'];
  forms.forEach(([insn], i) => {
    const [mnemonic, ...rest] = insn.split(/\s+/);
    const operands = rest.join(' ');
    const op = dataOperand(operands);
    if (op === undefined) throw new Error(insn);
    asm.push(...harness(`direct_${i}`, [`\t${insn}`]), ...harness(`rewritten_${i}`, rewriteForGot({ mnemonic, operands, cfaOnRsp: false, where: 't' }, op)));
  });
  asm.push('\t.section\t.data.rel.ro,"aw"', '\t.globl\tdirect', 'direct:', ...forms.map((_, i) => `\t.quad\tdirect_${i}`));
  asm.push('\t.globl\trewritten', 'rewritten:', ...forms.map((_, i) => `\t.quad\trewritten_${i}`));
  asm.push('\t.section\t.rodata', '\t.globl\tnforms', 'nforms:', `\t.long\t${forms.length}`, '\t.section\t.note.GNU-stack,"",@progbits', '');
  writeFileSync(join(dir, 'forms.s'), asm.join('\n'));
  writeFileSync(join(dir, 'driver.c'), DRIVER);
  execFileSync('gcc', ['-shared', '-fPIC', '-o', 'libext.so', 'lib.c'], { cwd: dir });
  const pieFlags = pie ? ['-Wl,-z,notext'] : ['-no-pie', '-fno-pic'];
  execFileSync('gcc', ['-o', 'prog', 'driver.c', 'forms.s', '-L.', '-lext', '-Wl,-rpath,$ORIGIN', ...pieFlags], { cwd: dir, stdio: 'pipe' });
  return execFileSync(join(dir, 'prog'), { encoding: 'utf8' });
}

describe('rewriteForGot on a real CPU', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.dispose());

  it('every %rip form computes what the original instruction computes (PIE)', () => {
    expect(build(scratch.dir, FORMS, true)).toBe(FORMS.map((_, i) => `${i} same\n`).join(''));
  });

  it('every form, absolute and immediate ones too, computes the same (non-PIE)', () => {
    const all = [...FORMS, ...NON_PIE_FORMS];
    expect(build(scratch.dir, all, false)).toBe(all.map((_, i) => `${i} same\n`).join(''));
  });
});
