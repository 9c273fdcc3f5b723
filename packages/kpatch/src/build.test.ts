import {
  ELF64_RELA_SIZE, ElfFile, ET_REL, R_X86_64_64, R_X86_64_PC32, R_X86_64_PLT32, readElfFile, SHF_ALLOC, SHN_UNDEF,
  SHT_NOBITS, SHT_PROGBITS, SHT_RELA, STB_GLOBAL, STT_SECTION,
} from '@tscare/elf';
import { buildKpatch } from './build.js';
import { describeInfoEntries } from './describe.js';
import { KPATCH_HEADER_SIZE } from './header.js';
import { decodeInfoEntries } from './info.js';
import { parseKpatch, type KpatchFile } from './reader.js';
import { buildFooPair, makeScratch, tool, type Scratch } from './testing/toolchain.js';

let s: Scratch;
let pair: { orig: string; patched: string };
let kp: KpatchFile;

beforeAll(async () => {
  s = makeScratch();
  pair = buildFooPair(s);
  const r = await buildKpatch({ original: pair.orig, patched: pair.patched, patchId: '0001', buildTime: 1700000000 });
  if (r.kind !== 'built') throw new Error(r.reason);
  kp = parseKpatch(r.bytes, 'foo.kpatch');
});
afterAll(() => s.cleanup());

describe('the payload of a built .kpatch (reference §2.1)', () => {
  it('is ET_REL without program headers and keeps every section at its index', () => {
    const patched = readElfFile(pair.patched);
    const { header } = kp.elf;
    expect([header.e_type, header.e_entry, header.e_flags, header.e_phoff, header.e_phnum, header.e_shentsize]).toEqual([ET_REL, 0, 0, 0, 0, 64]);
    expect(header.e_machine).toBe(patched.header.e_machine);
    // The frames of print_hello.kpatch come after every section of the link (kpatch-eh-frame.ts).
    expect(kp.elf.sections.map((x) => x.name)).toEqual([...patched.sections.map((x) => x.name), '.kpatch.eh_frame', '.rela.kpatch.eh_frame']);
    for (const sec of kp.elf.sections.slice(1, patched.sections.length)) {
      const kept = sec.name.includes('kpatch') || ['.symtab', '.strtab', '.shstrtab'].includes(sec.name);
      expect([sec.name, sec.sh_type === SHT_NOBITS]).toEqual([sec.name, !kept]);
      const grown = { '.kpatch.info': 24, '.shstrtab': '.rela.kpatch.eh_frame\0'.length }[sec.name] ?? 0;
      if (sec.name !== '.symtab' && sec.name !== '.strtab') expect([sec.name, sec.sh_size]).toEqual([sec.name, patched.sections[sec.index].sh_size + grown]);
      if (sec.name.startsWith('.rela') && !kept) expect(sec.sh_flags).toBe(SHF_ALLOC);
    }
  });

  it('gives NOBITS sections the ORIGINAL binary\'s link addresses', () => {
    const orig = readElfFile(pair.orig);
    const patched = readElfFile(pair.patched);
    let moved = 0;
    for (const os of orig.sections.filter((x) => (x.sh_flags & SHF_ALLOC) !== 0)) {
      const ps = kp.elf.sectionByName(os.name)!;
      expect([os.name, ps.sh_addr]).toEqual([os.name, os.sh_addr]);
      if (patched.sectionByName(os.name)!.sh_addr !== os.sh_addr) moved++;
    }
    expect(moved).toBeGreaterThan(0); // .fini, .bss ... really moved in the patched link
  });

  it('has page-aligned .kpatch.data and section-relative relocations and symbols', () => {
    const data = kp.elf.sectionByName('.kpatch.data')!;
    expect(data.sh_type).toBe(SHT_PROGBITS);
    expect(data.sh_offset % 4096).toBe(0);
    const text = kp.elf.sectionByName('.rela.kpatch.text')!;
    const relocs = kp.elf.relocations(text);
    const target = kp.elf.sections[text.sh_info];
    for (const r of relocs) expect(r.r_offset).toBeLessThan(target.sh_size);
    expect(relocs.map((r) => r.type).includes(R_X86_64_PLT32)).toBe(false);
    const syms = kp.elf.symbols(kp.elf.sectionByName('.symtab')!);
    const puts = syms[relocs.find((r) => syms[r.sym].name.startsWith('puts'))!.sym];
    expect(puts).toMatchObject({ name: 'puts@GLIBC_2.2.5', st_shndx: SHN_UNDEF, bind: STB_GLOBAL });
    expect(relocs.find((r) => r.sym === puts.index)!.type).toBe(R_X86_64_PC32);
    const origHello = readElfFile(pair.orig).symbols(readElfFile(pair.orig).sectionByName('.symtab')!).find((x) => x.name === 'print_hello')!;
    const origText = readElfFile(pair.orig).sectionByName('.text')!;
    const hello = syms.find((x) => x.name === 'print_hello')!;
    expect(kp.elf.sections[hello.st_shndx].name).toBe('.text');
    expect(hello.st_value).toBe(origHello.st_value - origText.sh_addr);
  });

  it('keeps only the symbols relocations use (strip --strip-unneeded)', () => {
    const syms = kp.elf.symbols(kp.elf.sectionByName('.symtab')!);
    const used = new Set(kp.elf.sections.filter((x) => x.sh_type === SHT_RELA).flatMap((x) => kp.elf.relocations(x).map((r) => r.sym)));
    expect(syms.slice(1).every((x) => used.has(x.index))).toBe(true);
    const locals = kp.elf.sectionByName('.symtab')!.sh_info;
    expect(syms.slice(0, locals).every((x) => x.bind === 0)).toBe(true);
    expect(syms.slice(locals).every((x) => x.bind !== 0)).toBe(true);
    expect(syms.filter((x) => x.type === STT_SECTION).map((x) => kp.elf.sections[x.st_shndx].name).sort()).toEqual(['.kpatch.data', '.kpatch.strtab', '.kpatch.text']);
  });

  it('has a .kpatch.info of 48n+24 bytes with the real dlen and R_X86_64_64 relocations', () => {
    expect(kp.infoSection.sh_size).toBe(48 * 1 + 24);
    expect(kp.infoCount).toBe(1);
    const [entry] = decodeInfoEntries(kp.elf.sectionData(kp.infoSection));
    const nm = tool('nm', ['-S', pair.orig]);
    const size = parseInt(/^[0-9a-f]+ ([0-9a-f]+) T print_hello$/m.exec(nm)![1], 16);
    expect(entry.dlen).toBe(size);
    const newSize = parseInt(/^[0-9a-f]+ ([0-9a-f]+) t print_hello\.kpatch$/m.exec(tool('nm', ['-S', pair.patched]))![1], 16);
    expect(entry.slen).toBe(newSize);
    const rela = kp.elf.sections.find((x) => x.sh_type === SHT_RELA && x.sh_info === kp.infoSection.index)!;
    expect(kp.elf.relocations(rela).map((r) => [r.r_offset, r.type])).toEqual([[0, R_X86_64_64], [8, R_X86_64_64], [24, R_X86_64_64]]);
    expect(rela.sh_entsize).toBe(ELF64_RELA_SIZE);
    const [d] = describeInfoEntries(kp);
    expect([d.name, d.target, d.source, d.isNew]).toEqual(['print_hello.kpatch', 'print_hello', '.kpatch.text', false]);
  });

  it('is accepted by binutils as a relocatable object', () => {
    const path = s.write('payload.o', kp.data.subarray(KPATCH_HEADER_SIZE));
    const out = tool('readelf', ['-hSsrW', path]);
    expect(out).toMatch(/Type:\s+REL \(Relocatable file\)/);
    expect(out).not.toMatch(/Warning|Error/i);
    expect(ElfFile.parse(kp.data.subarray(KPATCH_HEADER_SIZE), path).header.e_type).toBe(ET_REL);
  });

  it('returns no-patch for a binary without .kpatch sections', async () => {
    const r = await buildKpatch({ original: pair.orig, patched: pair.orig, patchId: '0001' });
    expect(r.kind).toBe('no-patch');
  });
});
