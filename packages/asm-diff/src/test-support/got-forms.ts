/**
 * Instruction forms gcc writes with a `SYM(%rip)` memory operand, and which rewrite each
 * must get: `dest` (the destination register is the scratch), `lea` (a GOT load alone),
 * `scratch` (a pushed scratch register below the red zone). `ext` is the library symbol.
 */
export const FORMS: ReadonlyArray<readonly [string, 'dest' | 'lea' | 'scratch']> = [
  ['movq ext(%rip), %rdi', 'dest'],
  ['movl ext+4(%rip), %esi', 'dest'],
  ['movw ext(%rip), %r9w', 'scratch'],
  ['movb ext-1(%rip), %sil', 'scratch'],
  ['movb ext(%rip), %r10b', 'scratch'],
  ['movzbw ext(%rip), %dx', 'scratch'],
  ['movq ext(%rip), %rsi', 'dest'],
  ['movzbl ext(%rip), %ebp', 'dest'],
  ['movzwl ext+2(%rip), %r12d', 'dest'],
  ['movsbq ext(%rip), %rdi', 'dest'],
  ['movslq ext(%rip), %rax', 'dest'],
  ['movb ext(%rip), %ah', 'scratch'],
  ['leaq ext(%rip), %rdx', 'lea'],
  ['leaq ext+16(%rip), %r11', 'lea'],
  ['leaq 16+ext(%rip), %rax', 'lea'],
  ['movl 8+ext(%rip), %eax', 'dest'],
  ['movq %rax, ext(%rip)', 'scratch'],
  ['movl $7, ext+8(%rip)', 'scratch'],
  ['movb %dil, ext(%rip)', 'scratch'],
  ['movw %bpl, ext(%rip)'.replace('%bpl', '%bp'), 'scratch'],
  ['movsd ext(%rip), %xmm0', 'scratch'],
  ['movss %xmm3, ext+4(%rip)', 'scratch'],
  ['movdqa ext(%rip), %xmm1', 'scratch'],
  ['cmpl $0, ext(%rip)', 'scratch'],
  ['cmpq %r11, ext(%rip)', 'scratch'],
  ['testb $1, ext(%rip)', 'scratch'],
  ['addq $1, ext(%rip)', 'scratch'],
  ['subl %eax, ext(%rip)', 'scratch'],
  ['andl ext(%rip), %ecx', 'scratch'],
  ['orb $4, ext+3(%rip)', 'scratch'],
  ['xorl ext(%rip), %r10d', 'scratch'],
  ['incl ext(%rip)', 'scratch'],
  ['decq ext(%rip)', 'scratch'],
  ['addsd ext(%rip), %xmm2', 'scratch'],
];

/**
 * Forms of non-PIE code (`-fno-pic`): absolute addresses, with a base or an index register,
 * and addresses as immediates. The runtime test gives %rax..%rdi the values 0..5.
 */
export const NON_PIE_FORMS: ReadonlyArray<readonly [string, 'dest' | 'lea' | 'scratch']> = [
  ['movl ext(,%rdi,4), %eax', 'dest'],
  ['movl ext(,%rax,4), %eax', 'scratch'],
  ['movzbl ext+3(%rbx), %ecx', 'dest'],
  ['movb %al, ext(%rdx)', 'scratch'],
  ['addl $1, ext(,%rcx,4)', 'scratch'],
  ['leaq ext(,%rdi,8), %rax', 'dest'],
  ['movl $ext+12, %eax', 'lea'],
  ['movq $ext, %rdi', 'lea'],
  ['movl $16+ext, %r9d', 'lea'],
];
