/**
 * The GOT rewrite of library data references, one instruction form at a time: each rewritten
 * form is assembled with gcc -c, and readelf -r must show only GOT relocations against the
 * symbol (no PC32, which would make the linker add a copy relocation).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TscareError } from '@tscare/errors';
import { generateMergedAssembly } from './generate.js';
import { gpr64, rewriteForGot, dataOperand } from './got-rewrite.js';
import { FORMS, NON_PIE_FORMS } from './test-support/got-forms.js';
import { scratchDir } from './test-support/toolchain.js';

const FLAG_WRITERS = /^\s*(add|sub|and|or|xor|cmp|test|inc|dec|neg|shl|shr|sar|sbb|adc)/;

function rewrite(insn: string, cfaOnRsp = true): string[] {
  const [mnemonic, ...rest] = insn.split(/\s+/);
  const operands = rest.join(' ');
  const op = dataOperand(operands);
  if (op === undefined) throw new Error(`no symbol operand in ${insn}`);
  return rewriteForGot({ mnemonic, operands, cfaOnRsp, where: 'test.s:1' }, op);
}

function relocations(dir: string, name: string, lines: string[]): string[] {
  const s = join(dir, `${name}.s`);
  writeFileSync(s, ['\t.text', '\t.globl f', '\t.type f, @function', 'f:', '\t.cfi_startproc', ...lines, '\tret', '\t.cfi_endproc', '\t.size f, .-f', ''].join('\n'));
  execFileSync('gcc', ['-c', s, '-o', join(dir, `${name}.o`)]);
  const out = execFileSync('readelf', ['-rW', join(dir, `${name}.o`)], { encoding: 'utf8' });
  // Only the code's relocations: .rela.eh_frame has its own PC32 against .text.
  const text = out.split(/Relocation section/).find((b) => b.startsWith(" '.rela.text'")) ?? '';
  return text.split('\n').filter((l) => /R_X86_64_/.test(l)).map((l) => l.trim().split(/\s+/).slice(2, 7).join(' '));
}


describe('rewriteForGot', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.dispose());

  it.each([...FORMS, ...NON_PIE_FORMS].map(([insn, form], i) => [insn, form, i] as const))('%s → %s form, GOT relocation only', (insn, form, i) => {
    const lines = rewrite(insn);
    const relocs = relocations(scratch.dir, `f${i}`, lines);
    expect(relocs).toHaveLength(1);
    expect(relocs[0]).toMatch(/^R_X86_64_(REX_GOTPCRELX|GOTPCRELX|GOTPCREL) 0+ ext - 4$/);
    const got = lines.find((l) => l.includes('@GOTPCREL'));
    const reg = /%(\w+)$/.exec(got ?? '')?.[1];
    if (form === 'scratch') {
      // The red zone is stepped over before anything is pushed, and the scratch is restored.
      expect(lines[0]).toBe('\tleaq\t-128(%rsp), %rsp');
      expect(lines.at(-2)).toBe('\tleaq\t128(%rsp), %rsp');
      expect(lines).toContain(`\tpushq\t%${reg}`);
      expect(lines).toContain(`\tpopq\t%${reg}`);
      // The scratch is not a register the instruction names.
      expect(insn.split(/\s+/).slice(1).join(' ').match(/%\w+/g)?.map((r) => gpr64(r))).not.toContain(reg);
      // Only the original instruction may change flags (lea/push/pop/mov do not).
      expect(lines.filter((l) => FLAG_WRITERS.test(l)).length).toBe(FLAG_WRITERS.test(insn) ? 1 : 0);
    } else {
      expect(lines[0]).toMatch(/^\tmovq\text@GOTPCREL\(%rip\), %r\w+$/);
      expect(lines.join('\n')).not.toContain('%rsp');
    }
  });

  it('keeps the CFA right while %rsp is moved (only when the CFA is %rsp-based)', () => {
    expect(rewrite('cmpl $0, ext(%rip)', true).filter((l) => l.includes('.cfi_adjust_cfa_offset'))).toEqual([
      '\t.cfi_adjust_cfa_offset 128', '\t.cfi_adjust_cfa_offset 8', '\t.cfi_adjust_cfa_offset -8', '\t.cfi_adjust_cfa_offset -128',
    ]);
    expect(rewrite('cmpl $0, ext(%rip)', false).some((l) => l.includes('.cfi'))).toBe(false);
  });

  it('names the 64-bit register of every general-register spelling', () => {
    const cases: Record<string, string> = { '%sil': 'rsi', '%dil': 'rdi', '%bpl': 'rbp', '%spl': 'rsp', '%r8b': 'r8', '%r15w': 'r15', '%r9d': 'r9', '%eax': 'rax', '%ah': 'rax', '%bx': 'rbx', '%xmm0': '' };
    for (const [r, want] of Object.entries(cases)) expect(gpr64(r) ?? '').toBe(want);
  });

  it('calls through a library function pointer with %r11', () => {
    expect(rewrite('call *ext+8(%rip)')).toEqual(['\tmovq\text@GOTPCREL(%rip), %r11', '\tcall\t*8(%r11)']);
    expect(rewrite('jmp *ext(%rip)')).toEqual(['\tmovq\text@GOTPCREL(%rip), %r11', '\tjmp\t*(%r11)']);
    const relocs = relocations(scratch.dir, 'call', rewrite('call *ext(%rip)'));
    expect(relocs).toEqual(['R_X86_64_REX_GOTPCRELX 0000000000000000 ext - 4']);
  });

  it('refuses what it cannot rewrite without the stack: %rsp operands, push/pop of the operand', () => {
    for (const insn of ['pushq ext(%rip)', 'popq ext(%rip)', 'movq %rsp, ext(%rip)']) {
      expect(() => rewrite(insn)).toThrow(TscareError);
    }
  });
});

describe('generateMergedAssembly and library data', () => {
  const orig = ['\t.text', '\t.globl\tf', '\t.type\tf, @function', 'f:', '\t.cfi_startproc', '\tmovq\tstdout(%rip), %rax', '\tret', '\t.cfi_endproc', '\t.size\tf, .-f', ''].join('\n');
  const patched = orig.replace('\tmovq\tstdout(%rip), %rax', '\tmovq\tstderr(%rip), %rax\n\tmovq\tstdout(%rip), %rdx\n\tcmpl\t$0, optind(%rip)\n\tleaq\tlocal_var(%rip), %rcx').replace('\t.size\tf, .-f', '\t.size\tf, .-f\n\t.local\tlocal_var\n\t.comm\tlocal_var,4,4');

  it('rewrites only symbols the original file never names and neither file defines', () => {
    const r = generateMergedAssembly(orig, patched, { originalName: 'o.s', patchedName: 'p.s' });
    const copy = r.text.slice(r.text.indexOf('f.kpatch:'), r.text.indexOf('f.kpatch_end:'));
    expect(copy).toContain('\tmovq\tstderr@GOTPCREL(%rip), %rax\n\tmovq\t(%rax), %rax');
    expect(copy).toContain('\tmovq\tstdout(%rip), %rdx');
    expect(copy).toContain('\tmovq\toptind@GOTPCREL(%rip), %r11\n\tcmpl\t$0, (%r11)');
    expect(copy).toContain('\tleaq\tlocal_var.kpatch(%rip), %rcx');
  });

  it('a symbol the original names only in data (a C++ catch clause\'s DW.ref) still goes through the GOT', () => {
    // The original catches std::out_of_range (its typeinfo is named by a DW.ref .quad, reached
    // through a dynamic relocation: no copy); the fix throws it, and gcc writes leaq typeinfo(%rip).
    const dwRef = ['\t.hidden\tDW.ref._ZTISt12out_of_range', '\t.weak\tDW.ref._ZTISt12out_of_range',
      '\t.section\t.data.rel.local.DW.ref._ZTISt12out_of_range,"awG",@progbits,DW.ref._ZTISt12out_of_range,comdat',
      '\t.align 8', '\t.type\tDW.ref._ZTISt12out_of_range, @object', '\t.size\tDW.ref._ZTISt12out_of_range, 8',
      'DW.ref._ZTISt12out_of_range:', '\t.quad\t_ZTISt12out_of_range', ''].join('\n');
    const o = `${orig}${dwRef}`;
    const p = o.replace('\tmovq\tstdout(%rip), %rax', '\tleaq\t_ZTISt12out_of_range(%rip), %rsi\n\tmovq\tstdout(%rip), %rax');
    const r = generateMergedAssembly(o, p, { originalName: 'o.s', patchedName: 'p.s' });
    const copy = r.text.slice(r.text.indexOf('f.kpatch:'), r.text.indexOf('f.kpatch_end:'));
    expect(copy).toContain('\tmovq\t_ZTISt12out_of_range@GOTPCREL(%rip), %rsi');
    expect(copy).not.toContain('leaq\t_ZTISt12out_of_range(%rip)');
    // stdout is reached directly by the original's code: the executable has its copy, shared.
    expect(copy).toContain('\tmovq\tstdout(%rip), %rax');
  });
});
