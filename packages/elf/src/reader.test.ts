import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTscareError } from '@tscare/errors';
import {
  EM_X86_64, ET_DYN, ET_REL, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_REX_GOTPCRELX, SHT_DYNSYM, SHT_NOBITS, SHT_REL, SHT_RELA, SHT_SYMTAB, STB_GLOBAL, STT_FUNC,
} from './constants.js';
import { ElfFile, readElfFile } from './reader.js';

const SOURCE = `#include <stdio.h>
int counter = 3;
__attribute__((noinline)) void hello(void) { printf("hello %d\\n", counter); }
int main(void) { hello(); return 0; }
`;

const TYPE_NAMES: Record<number, string> = {
  [R_X86_64_PC32]: 'R_X86_64_PC32', [R_X86_64_PLT32]: 'R_X86_64_PLT32', [R_X86_64_GOTPCREL]: 'R_X86_64_GOTPCREL',
  [R_X86_64_GOTPCRELX]: 'R_X86_64_GOTPCRELX', [R_X86_64_REX_GOTPCRELX]: 'R_X86_64_REX_GOTPCRELX',
};

let dir: string;
function gcc(args: string[]): void {
  execFileSync('gcc', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}
function readelf(args: string[]): string {
  return execFileSync('readelf', args, { encoding: 'utf8' });
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isTscareError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-elf-'));
  writeFileSync(join(dir, 'hello.c'), SOURCE);
  gcc(['-O2', '-c', 'hello.c', '-o', 'hello.o']);
  gcc(['-O2', 'hello.c', '-o', 'hello']);
  gcc(['-O2', 'hello.c', '-o', 'hello-md5', '-Wl,--build-id=md5']);
  gcc(['-O2', 'hello.c', '-o', 'hello-hex', '-Wl,--build-id=0x0123456789abcdef0123456789abcdef0123456789abcdef']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ElfFile on real gcc output', () => {
  it('reads the same section table as readelf', () => {
    const elf = readElfFile(join(dir, 'hello'));
    expect(elf.header.e_machine).toBe(EM_X86_64);
    expect(elf.header.e_type).toBe(ET_DYN);
    const rows = readelf(['-SW', join(dir, 'hello')]).split('\n')
      .map((l) => /^\s+\[\s*(\d+)\]\s+(\S+)\s+[A-Z_]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[1] !== '0');
    expect(rows.length).toBe(elf.sections.length - 1);
    for (const m of rows) {
      const s = elf.sections[Number(m[1])];
      expect([s.name, s.sh_addr, s.sh_offset, s.sh_size]).toEqual([m[2], parseInt(m[3], 16), parseInt(m[4], 16), parseInt(m[5], 16)]);
    }
    expect(elf.programHeaders.length).toBe(Number(/There are (\d+) program headers/.exec(readelf(['-lW', join(dir, 'hello')]))?.[1]));
  });

  it('resolves symbol names and relocations of an object file', () => {
    const elf = readElfFile(join(dir, 'hello.o'));
    expect(elf.header.e_type).toBe(ET_REL);
    const symtab = elf.sectionByName('.symtab')!;
    const hello = elf.symbols(symtab).find((s) => s.name === 'hello')!;
    expect(hello).toMatchObject({ bind: STB_GLOBAL, type: STT_FUNC });
    expect(hello.st_size).toBeGreaterThan(0);
    const rela = elf.sectionByName('.rela.text')!;
    const relocs = elf.relocations(rela);
    const expected = readelf(['-rW', join(dir, 'hello.o')]).split('\n\n').find((b) => b.includes("'.rela.text'"))!;
    const rows = expected.split('\n').filter((l) => /^[0-9a-f]{16}/.test(l));
    expect(relocs.length).toBe(rows.length);
    const syms = elf.symbols(symtab);
    rows.forEach((row, i) => {
      const [off, , type] = row.split(/\s+/);
      expect(relocs[i].r_offset).toBe(parseInt(off, 16));
      expect(TYPE_NAMES[relocs[i].type]).toBe(type);
      const addend = /([+-]) ([0-9a-f]+)$/.exec(row)!;
      expect(relocs[i].r_addend).toBe((addend[1] === '-' ? -1 : 1) * parseInt(addend[2], 16));
      expect(syms[relocs[i].sym]).toBeDefined();
    });
    expect(relocs.some((r) => r.r_addend < 0)).toBe(true);
  });

  it.each(['hello', 'hello-md5', 'hello-hex'])('extracts the build id of %s like readelf -n', (name) => {
    const expected = /Build ID: ([0-9a-f]+)/.exec(readelf(['-n', join(dir, name)]))![1];
    expect(readElfFile(join(dir, name)).buildId()).toBe(expected);
  });

  it('falls back to PT_NOTE segments when there is no section table', () => {
    const data = Buffer.from(readFileSync(join(dir, 'hello')));
    data.writeBigUInt64LE(0n, 40); // e_shoff
    data.writeUInt16LE(0, 60); // e_shnum
    data.writeUInt16LE(0, 62); // e_shstrndx
    const elf = ElfFile.parse(data, 'no-sections');
    expect(elf.sections).toEqual([]);
    expect(elf.buildId()).toBe(readElfFile(join(dir, 'hello')).buildId());
  });

  it('gives NOBITS sections an empty buffer', () => {
    const elf = readElfFile(join(dir, 'hello'));
    const bss = elf.sectionByName('.bss')!;
    expect(bss.sh_type).toBe(SHT_NOBITS);
    expect(elf.sectionData(bss).length).toBe(0);
  });
});

describe('ElfFile refuses bad input with typed errors', () => {
  const good = () => Buffer.from(readFileSync(join(dir, 'hello.o')));

  it('refuses a non-ELF and a truncated file', () => {
    expect(codeOf(() => ElfFile.parse(Buffer.from('#!/bin/sh\n'), 'x'))).toBe('ELF_BAD_MAGIC');
    expect(codeOf(() => ElfFile.parse(good().subarray(0, 40), 'x'))).toBe('ELF_TRUNCATED');
    expect(codeOf(() => ElfFile.parse(good().subarray(0, good().length - 10), 'x'))).toBe('ELF_TRUNCATED');
  });

  it('refuses 32-bit, big-endian and foreign machines', () => {
    const c32 = good(); c32[4] = 1;
    const be = good(); be[5] = 2;
    const arm = good(); arm.writeUInt16LE(40, 18);
    for (const b of [c32, be, arm]) expect(codeOf(() => ElfFile.parse(b, 'x'))).toBe('ELF_UNSUPPORTED');
  });

  it('refuses 64-bit values beyond 2^53 with ELF_VALUE_RANGE', () => {
    const b = good();
    b.writeBigUInt64LE(0xffff000000000000n, 40);
    expect(codeOf(() => ElfFile.parse(b, 'x'))).toBe('ELF_VALUE_RANGE');
  });

  it('names the path in its messages', () => {
    expect(() => ElfFile.parse(good().subarray(0, 100), '/some/where.o')).toThrow(/\/some\/where\.o/);
  });

  it('refuses SHT_REL sections and out-of-range symbol indexes', () => {
    const elf = ElfFile.parse(good(), 'x');
    const rela = elf.sectionByName('.rela.text')!;
    expect(codeOf(() => elf.relocations({ ...rela, sh_type: SHT_REL }))).toBe('ELF_REL_UNSUPPORTED');
    const b = good();
    b.writeUInt32LE(0xfffff, rela.sh_offset + 12);
    const bad = ElfFile.parse(b, 'x');
    expect(bad.sectionByName('.rela.text')!.sh_type).toBe(SHT_RELA);
    expect(codeOf(() => bad.relocations(bad.sectionByName('.rela.text')!))).toBe('ELF_BAD_RELA');
  });

  it('refuses a section whose contents lie outside the file', () => {
    const b = good();
    const elf = ElfFile.parse(b, 'x');
    const text = elf.sectionByName('.text')!;
    b.writeBigUInt64LE(BigInt(b.length), elf.header.e_shoff + text.index * 64 + 24);
    expect(codeOf(() => ElfFile.parse(b, 'x'))).toBe('ELF_TRUNCATED');
  });

  it('only ever throws TscareErrors on random mutations of the section table', () => {
    const good = readFileSync(join(dir, 'hello'));
    const shoff = Number(good.readBigUInt64LE(40));
    let seed = 4242;
    const next = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000; };
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(good);
      const pos = next() < 0.3 ? Math.floor(next() * 64) : shoff + Math.floor(next() * (b.length - shoff));
      b[pos] ^= 1 << Math.floor(next() * 8);
      const code = codeOf(() => {
        const elf = ElfFile.parse(i % 3 === 0 ? b.subarray(0, Math.floor(next() * b.length)) : b, 'mutant');
        for (const sec of elf.sections) {
          if (sec.sh_type === SHT_SYMTAB || sec.sh_type === SHT_DYNSYM) elf.symbols(sec);
          if (sec.sh_type === SHT_RELA) elf.relocations(sec);
        }
        elf.buildId();
        elf.dynamicEntries();
      });
      codes.add(code);
    }
    expect(codes.size).toBeGreaterThan(3);
  });
});
