import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHT_NOBITS } from './constants.js';
import { readElfFile, ElfFile } from './reader.js';
import { encodeRelas, encodeSymbols, StringTableBuilder, writeElf } from './writer.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-elfw-'));
  writeFileSync(join(dir, 'a.c'), 'int v[64]; extern int ext(int);\nint f(int x) { return v[x] + ext(x); }\nint g(void) { return f(2); }\n');
  execFileSync('gcc', ['-O2', '-c', 'a.c', '-o', 'a.o'], { cwd: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeElf', () => {
  it('rewrites a real object so that readelf and the reader see the same contents', () => {
    const elf = readElfFile(join(dir, 'a.o'));
    const sections = elf.sections.map((s) => ({ header: { ...s }, data: Buffer.from(elf.sectionData(s)) }));
    const out = writeElf({ header: { ...elf.header }, sections });
    const path = join(dir, 'b.o');
    writeFileSync(path, out);
    const again = ElfFile.parse(out, path);
    expect(again.sections.map((s) => s.name)).toEqual(elf.sections.map((s) => s.name));
    for (const s of elf.sections) {
      const t = again.sections[s.index];
      expect(again.sectionData(t).equals(elf.sectionData(s))).toBe(true);
      if (s.sh_type !== SHT_NOBITS && s.sh_addralign > 1) expect(t.sh_offset % s.sh_addralign).toBe(0);
    }
    const symtab = elf.sectionByName('.symtab')!;
    expect(again.symbols(again.sectionByName('.symtab')!)).toEqual(elf.symbols(symtab));
    // binutils accepts the result as an object file.
    const nm = execFileSync('nm', [path], { encoding: 'utf8' });
    expect(nm).toMatch(/ T f\n/);
    expect(nm).toMatch(/ T g\n/);
    const readelf = execFileSync('readelf', ['-a', '-W', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(readelf).not.toMatch(/Warning|Error/i);
  });

  it('round-trips symbols and signed relocation addends', () => {
    const elf = readElfFile(join(dir, 'a.o'));
    const rela = elf.sectionByName('.rela.text')!;
    const relocs = elf.relocations(rela);
    expect(relocs.some((r) => r.r_addend < 0)).toBe(true);
    expect(encodeRelas(relocs).equals(elf.sectionData(rela))).toBe(true);
    const symtab = elf.sectionByName('.symtab')!;
    expect(encodeSymbols(elf.symbols(symtab)).equals(elf.sectionData(symtab))).toBe(true);
  });

  it('builds string tables with each name once', () => {
    const b = new StringTableBuilder();
    expect([b.add('foo'), b.add('bar'), b.add('foo'), b.add('')]).toEqual([1, 5, 1, 0]);
    expect(b.build().toString('latin1')).toBe('\0foo\0bar\0');
  });
});
