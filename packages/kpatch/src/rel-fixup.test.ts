import { isTscareError } from '@tscare/errors';
import {
  readElfFile, R_X86_64_GOTPCRELX, R_X86_64_GOTTPOFF, R_X86_64_NONE, R_X86_64_PC32, R_X86_64_REX_GOTPCRELX, R_X86_64_TPOFF64, SHN_UNDEF, SHT_RELA, STT_SECTION, STT_TLS, R_X86_64_DTPMOD64, R_X86_64_TLSGD, R_X86_64_IRELATIVE,
  type ElfFile, type ElfRela, type ElfSymbol,
} from '@tscare/elf';
import { buildKpatch } from './build.js';
import { describeInfoEntries } from './describe.js';
import { parseKpatch, type KpatchFile } from './reader.js';
import { mergeFunctionCopy, type MergeOptions } from './testing/merge-for-test.js';
import { fixture, makeScratch, type Scratch } from './testing/toolchain.js';

const TLS_EXE = `__thread int counter = 5;
__thread int other = 7;
__attribute__((noinline)) int get(void) { return counter + other; }
int main(void) { return get(); }
`;
const LIB = `__thread int counter = 5;
extern __thread int ext;
__attribute__((noinline)) int get(void) { return counter + 2; }
int getx(void) { return ext; }
int shared_var = 1;
int rd(void) { return shared_var; }
`;
const TINY = `__attribute__((noinline)) void tiny(void) { __asm__(""); }
int main(void) { tiny(); return 0; }
`;

let s: Scratch;
beforeAll(() => { s = makeScratch(); });
afterAll(() => s.cleanup());

interface Pair { orig: string; patched: string }

/** Compiles `source` once, links it as the original and, merged with a copy of `func`, as the patched twin. */
function pairFrom(name: string, source: string, func: string, flags: string[], opts: MergeOptions = {}): Pair {
  const asm = s.compileToAsm(name, source, ['-O2', ...flags]);
  s.write(`${name}-merged.s`, mergeFunctionCopy(asm, func, opts));
  const shared = flags.includes('-fPIC') ? ['-shared'] : [];
  const link = [...shared, ...flags.filter((f) => f.startsWith('-Wl,'))];
  const out = shared.length > 0 ? `lib${name}.so` : name;
  s.gcc([...link, '-o', out, `${name}.s`]);
  s.gcc([...link, '-o', `${out}.patched`, `${name}-merged.s`, '-Wl,-q']);
  return { orig: s.path(out), patched: s.path(`${out}.patched`) };
}

async function build(p: Pair): Promise<KpatchFile> {
  const r = await buildKpatch({ original: p.orig, patched: p.patched, patchId: 't1' });
  if (r.kind !== 'built') throw new Error(r.reason);
  return parseKpatch(r.bytes, `${p.patched}.kpatch`);
}

async function codeOf(p: Pair): Promise<string> {
  try {
    await build(p);
    return 'built';
  } catch (e) {
    if (isTscareError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
}

function textRelocs(kp: KpatchFile): { relocs: ElfRela[]; syms: ElfSymbol[] } {
  const rela = kp.elf.sectionByName('.rela.kpatch.text')!;
  return { relocs: kp.elf.relocations(rela), syms: kp.elf.symbols(kp.elf.sectionByName('.symtab')!) };
}

function relocsOf(elf: ElfFile, name: string): ElfRela[] {
  return elf.relocations(elf.sectionByName(name)!);
}

describe('rel-fixup on real links', () => {
  it('turns local-exec TLS accesses (TPOFF32) into R_X86_64_NONE after checking the offsets', async () => {
    const kp = await build(pairFrom('tls', TLS_EXE, 'get', []));
    const { relocs, syms } = textRelocs(kp);
    const tls = relocs.filter((r) => syms[r.sym].type === STT_TLS);
    expect(tls.map((r) => syms[r.sym].name).sort()).toEqual(['counter', 'other']);
    expect(tls.every((r) => r.type === R_X86_64_NONE)).toBe(true);
  });

  it('points initial-exec TLS (GOTTPOFF) at the ORIGINAL library\'s GOT slot, defined or imported', async () => {
    const p = pairFrom('ie', LIB, 'get', ['-fPIC', '-ftls-model=initial-exec']);
    const kp = await build(p);
    const orig = readElfFile(p.orig);
    const dynsym = orig.symbols(orig.sectionByName('.dynsym')!);
    const slot = (n: string) => relocsOf(orig, '.rela.dyn').find((r) => r.type === R_X86_64_TPOFF64 && dynsym[r.sym].name === n)!.r_offset;
    const { relocs, syms } = textRelocs(kp);
    const got = relocs.find((r) => r.type === R_X86_64_GOTTPOFF)!;
    expect([syms[got.sym].name, got.r_addend]).toEqual(['counter', slot('counter')]);
    const kx = await build(pairFrom('iex', LIB, 'getx', ['-fPIC', '-ftls-model=initial-exec']));
    const x = textRelocs(kx);
    const gx = x.relocs.find((r) => r.type === R_X86_64_GOTTPOFF)!;
    expect([x.syms[gx.sym].name, gx.r_addend]).toEqual(['ext', slot('ext')]);
  });

  it('points general-dynamic TLS (TLSGD) at the original GOT pair of the variable, through the .got section', async () => {
    const p = pairFrom('gd', LIB, 'get', ['-fPIC']);
    const orig = readElfFile(p.orig);
    const dynsym = orig.symbols(orig.sectionByName('.dynsym')!);
    const pair = relocsOf(orig, '.rela.dyn').find((r) => r.type === R_X86_64_DTPMOD64 && dynsym[r.sym].name === 'counter')!.r_offset;
    const kp = await build(p);
    const { relocs, syms } = textRelocs(kp);
    const r = relocs.find((x) => syms[x.sym].type === STT_SECTION && kp.elf.sections[syms[x.sym].st_shndx].name === '.got')!;
    expect([r.type, r.r_addend]).toEqual([R_X86_64_PC32, pair - orig.sectionByName('.got')!.sh_addr - 4]);
    expect(relocs.some((x) => x.type === R_X86_64_TLSGD)).toBe(false);
  });

  it('refuses dynamic TLS the original never reached (no GOT pair to reuse) with KPATCH_TLS_UNSUPPORTED', async () => {
    const lonely = '__thread int lonely = 1;\n__attribute__((noinline)) int get(void) { return 0; }\n';
    const p = pairFrom('gdn', lonely, 'get', ['-fPIC'], {
      // The copy reads the variable; the original never did, so it has no GOT pair for it (linked, never run).
      edit: (body) => body.replace(/\txorl\t%eax, %eax/, '\tdata16\tleaq\tlonely@tlsgd(%rip), %rdi\n\t.value 0x6666\n\trex64\n\tcall\t__tls_get_addr@PLT\n\tmovl\t(%rax), %eax'),
    });
    expect(await codeOf(p)).toMatch(/^KPATCH_TLS_UNSUPPORTED: .*lonely/);
  });

  // -Bsymbolic: the library binds its own symbols (no GLOB_DAT), --no-relax keeps ld from rewriting the GOT accesses itself.
  it('turns a GOT load of a defined variable into lea (0x8b -> 0x8d)', async () => {
    const p = pairFrom('gp', LIB, 'rd', ['-fPIC', '-Wl,-Bsymbolic,--no-relax']);
    const patched = readElfFile(p.patched);
    const prela = relocsOf(patched, '.rela.kpatch.text').find((r) => r.type === R_X86_64_REX_GOTPCRELX)!;
    const ptext = patched.sectionByName('.kpatch.text')!;
    expect(patched.sectionData(ptext)[prela.r_offset - ptext.sh_addr - 2]).toBe(0x8b);
    const kp = await build(p);
    const { relocs, syms } = textRelocs(kp);
    const r = relocs.find((x) => x.type === R_X86_64_REX_GOTPCRELX)!;
    expect(syms[r.sym].name).toBe('shared_var');
    expect(kp.elf.sectionData(kp.elf.sectionByName('.kpatch.text')!)[r.r_offset - 2]).toBe(0x8d);
  });

  it('turns -fno-plt GOT calls and tail jumps to defined functions into direct PC32 ones', async () => {
    const src = 'int helper(int x) { return x * 3; }\n__attribute__((noinline)) int caller(int x) { return helper(x) + 1; }\n'
      + '__attribute__((noinline)) int tail(int x) { return helper(x); }\n';
    for (const [func, expected] of [['caller', [0x67, 0xe8]], ['tail', [0xe9]]] as const) {
      const p = pairFrom(`np${func}`, src, func, ['-fPIC', '-fno-plt', '-Wl,-Bsymbolic,--no-relax']);
      const patched = readElfFile(p.patched);
      const prela = relocsOf(patched, '.rela.kpatch.text').find((r) => r.type === R_X86_64_GOTPCRELX)!;
      const ptext = patched.sectionByName('.kpatch.text')!;
      const before = patched.sectionData(ptext).subarray(prela.r_offset - ptext.sh_addr - 2);
      expect([...before.subarray(0, 2)]).toEqual([0xff, func === 'caller' ? 0x15 : 0x25]);
      const kp = await build(p);
      const { relocs, syms } = textRelocs(kp);
      const r = relocs.find((x) => syms[x.sym].name === 'helper')!;
      expect([r.type, r.r_addend]).toEqual([R_X86_64_PC32, -4]);
      const code = kp.elf.sectionData(kp.elf.sectionByName('.kpatch.text')!);
      const opcodeAt = prela.r_offset - ptext.sh_addr - 2;
      expect([...code.subarray(opcodeAt, opcodeAt + expected.length)]).toEqual([...expected]);
      expect(r.r_offset).toBe(opcodeAt + expected.length);
      if (func === 'tail') expect(code[opcodeAt + 5]).toBe(0x90);
    }
  });

  it('keeps a GOT load of an exported variable of a library a GOT load, through an import (interposition, copy relocations)', async () => {
    const p = pairFrom('gi', LIB, 'rd', ['-fPIC']);
    const kp = await build(p);
    const { relocs, syms } = textRelocs(kp);
    const r = relocs.find((x) => x.type === R_X86_64_REX_GOTPCRELX)!;
    expect([syms[r.sym].name, syms[r.sym].st_shndx]).toEqual(['shared_var', SHN_UNDEF]);
    expect(kp.elf.sectionData(kp.elf.sectionByName('.kpatch.text')!)[r.r_offset - 2]).toBe(0x8b);
  });

  const IFUNC_EXE = `static int sum_plain(int a, int b) { return a + b; }
static int (*resolve_pick(void))(int, int) { return sum_plain; }
int pick(int a, int b) __attribute__((ifunc("resolve_pick")));
__attribute__((noinline)) int other(int x) { return x * 7 + 3; }
`;

  it('sends a call to an IFUNC of the original itself to the original PLT stub that jumps through its IRELATIVE slot', async () => {
    const src = `${IFUNC_EXE}__attribute__((noinline)) int use(int x) { return pick(x, 1); }\nint main(void) { return use(41) + other(1); }\n`;
    const p = pairFrom('ifl', src, 'use', []);
    const orig = readElfFile(p.orig);
    const plt = orig.sectionByName('.plt')!;
    const slot = relocsOf(orig, '.rela.plt').find((r) => r.type === R_X86_64_IRELATIVE)!.r_offset;
    const code = orig.sectionData(plt);
    const stub = [...code.keys()].find((i) => code[i] === 0xff && code[i + 1] === 0x25 && plt.sh_addr + i + 6 + code.readInt32LE(i + 2) === slot)!;
    const kp = await build(p);
    const { relocs, syms } = textRelocs(kp);
    const r = relocs.find((x) => syms[x.sym].type === STT_SECTION && kp.elf.sections[syms[x.sym].st_shndx].name === '.plt')!;
    expect([r.type, r.r_addend]).toEqual([R_X86_64_PC32, stub - 4]);
  });

  it('refuses a call to an IFUNC of the original that the original never calls (KPATCH_IFUNC_UNREACHABLE)', async () => {
    const src = `${IFUNC_EXE}int main(void) { return other(1); }\n`;
    const p = pairFrom('ifn', src, 'other', [], { edit: (body) => body.replace(/\tret/, '\tmovl\t$1, %esi\n\tjmp\tpick@PLT') });
    expect(await codeOf(p)).toMatch(/^KPATCH_IFUNC_UNREACHABLE: .*pick.*never calls it/);
  });

  it('replaces local .L symbols by their section symbol plus offset', async () => {
    const asm = fixture('foo.s');
    s.write('lc.s', asm);
    s.write('lc-merged.s', mergeFunctionCopy(asm, 'print_hello'));
    s.gcc(['-O2', '-o', 'lc', 'lc.s']);
    s.gcc(['-O2', '-o', 'lc.patched', 'lc-merged.s', '-Wl,-q']);
    const patched = readElfFile(s.path('lc.patched'));
    const psyms = patched.symbols(patched.sectionByName('.symtab')!);
    const lc0 = psyms.find((x) => x.name === '.LC0')!;
    expect(relocsOf(patched, '.rela.kpatch.text').some((r) => r.sym === lc0.index)).toBe(true);
    const kp = await build({ orig: s.path('lc'), patched: s.path('lc.patched') });
    const { relocs, syms } = textRelocs(kp);
    expect(syms.some((x) => x.name.startsWith('.L'))).toBe(false);
    const rodataRef = relocs.find((r) => syms[r.sym].type === STT_SECTION && kp.elf.sections[syms[r.sym].st_shndx].name === '.rodata')!;
    const rodata = patched.sectionByName('.rodata')!;
    expect(rodataRef.r_addend).toBe(lc0.st_value - rodata.sh_addr - 4);
    const origRodata = readElfFile(s.path('lc')).sectionByName('.rodata')!;
    expect(kp.elf.sectionByName('.rodata')!.sh_addr).toBe(origRodata.sh_addr);
  });
});

describe('refusals of the strip chain', () => {
  it('refuses a replaced function shorter than the jump, naming it', async () => {
    expect(await codeOf(pairFrom('tiny', TINY, 'tiny', []))).toMatch(/^KPATCH_FUNC_TOO_SMALL: .*function tiny is 1 bytes/);
  });

  it('accepts the same tiny function as a new function (daddr = dlen = 0)', async () => {
    const kp = await build(pairFrom('tinynew', TINY, 'tiny', [], { asNew: true }));
    const [d] = describeInfoEntries(kp);
    expect([d.isNew, d.entry.dlen, d.target, d.name]).toEqual([true, 0, undefined, 'tiny.kpatch']);
    const info = kp.elf.sections.find((x) => x.sh_type === SHT_RELA && x.sh_info === kp.infoSection.index)!;
    expect(kp.elf.relocations(info).map((r) => r.r_offset)).toEqual([8, 24]);
  });

  it('refuses an ORIG whose sections differ in size, naming both files', async () => {
    const asm = fixture('foo.s');
    s.write('other.s', asm.replace('\t.ident', '\t.text\n\t.globl extra\n\t.type extra, @function\nextra:\n\tret\n\t.size extra, .-extra\n\t.ident'));
    s.write('orig2.s', asm);
    s.write('patched2.s', fixture('foobar.s'));
    s.gcc(['-O2', '-o', 'other', 'other.s']);
    s.gcc(['-O2', '-o', 'patched2', 'patched2.s', '-Wl,-q']);
    const msg = await codeOf({ orig: s.path('other'), patched: s.path('patched2') });
    expect(msg).toMatch(/^KPATCH_LAYOUT_MISMATCH: section \.text is \d+ bytes in .*patched2 but \d+ bytes in .*other$/);
  });

  it('refuses an ORIG whose copy of a used symbol is missing or elsewhere', async () => {
    s.write('renamed.s', fixture('foo.s').replaceAll('print_hello', 'print_hallo'));
    s.gcc(['-O2', '-o', 'renamed', 'renamed.s']);
    s.write('patched4.s', fixture('foobar.s'));
    s.gcc(['-O2', '-o', 'patched4', 'patched4.s', '-Wl,-q']);
    expect(await codeOf({ orig: s.path('renamed'), patched: s.path('patched4') }))
      .toMatch(/^KPATCH_LAYOUT_MISMATCH: print_hello is at \.text\+0x[0-9a-f]+ \(32 bytes\) in .*patched4 but is not defined in .*renamed$/);
  });

  it('refuses an ORIG with a section the patched binary lacks', async () => {
    s.write('t.c', TLS_EXE);
    s.gcc(['-O2', '-o', 'tls-orig', 't.c']);
    s.write('patched3.s', fixture('foobar.s'));
    s.gcc(['-O2', '-o', 'patched3', 'patched3.s', '-Wl,-q']);
    expect(await codeOf({ orig: s.path('tls-orig'), patched: s.path('patched3') })).toMatch(/^KPATCH_UNMAPPED_SECTION: .*\.tdata/);
  });

  it('refuses a .kpatch section without contents (SHT_NOBITS)', async () => {
    s.write('nobits.s', `${fixture('foobar.s')}\n\t.section .kpatch.bss,"aw",@nobits\n\t.zero 8\n`);
    s.gcc(['-O2', '-o', 'nobits', 'nobits.s', '-Wl,-q']);
    s.write('nobits-orig.s', fixture('foo.s'));
    s.gcc(['-O2', '-o', 'nobits-orig', 'nobits-orig.s']);
    expect(await codeOf({ orig: s.path('nobits-orig'), patched: s.path('nobits') })).toMatch(/^KPATCH_BAD_SECTION: .*\.kpatch\.bss is SHT_NOBITS/);
  });

  it('refuses relocations no applier resolves (large code model)', async () => {
    const src = 'int v;\n__attribute__((noinline)) int rd(void) { return v; }\nint main(void) { return rd(); }\n';
    expect(await codeOf(pairFrom('large', src, 'rd', ['-mcmodel=large']))).toMatch(/^KPATCH_RELOC_UNSUPPORTED: .*\.rela\.kpatch\.text .* has relocation type \d+/);
  });

  it('refuses a patched binary linked without -Wl,-q', async () => {
    s.write('noq.s', fixture('foobar.s'));
    s.gcc(['-O2', '-o', 'noq', 'noq.s']);
    s.write('noq-orig.s', fixture('foo.s'));
    s.gcc(['-O2', '-o', 'noq-orig', 'noq-orig.s']);
    expect(await codeOf({ orig: s.path('noq-orig'), patched: s.path('noq') })).toMatch(/^KPATCH_NO_RELOCATIONS: .*-Wl,-q/);
  });
});
