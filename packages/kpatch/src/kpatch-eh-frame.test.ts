/**
 * `.kpatch.eh_frame`: strip carries the call-frame information of the patch's own code, on
 * real g++/gcc output merged by the real tscare-gensrc and linked by the real ld (-Wl,-q).
 * binutils' readelf is the independent decoder the section is checked against.
 */
import { execFileSync } from 'node:child_process';
import { isTscareError } from '@tscare/errors';
import {
  alignUp, ElfFile, EM_AARCH64, readElfFile, R_X86_64_PC32, SHF_ALLOC, SHF_INFO_LINK, SHT_PROGBITS, SHT_RELA, STT_SECTION,
  type ElfRela, type SectionHeader,
} from '@tscare/elf';
import { buildKpatch } from './build.js';
import { EH_OBJECT_RESERVED, ehFrameLayout, walkEhFrame } from './eh-frame-records.js';
import { formatInfo } from './format-info.js';
import { parseKpatch } from './reader.js';
import { stripToPatch } from './strip.js';
import { buildGensrcPair } from './testing/gensrc-pair.js';
import { framesOfBytes, readelfFrames, type ReadelfRecord } from './testing/readelf-frames.js';
import { makeScratch, type Scratch } from './testing/toolchain.js';

/** `pick` throws std::out_of_range and destroys a std::string on the way out: an LSDA, and a cold part at -O2. */
const CXX = `#include <cstdio>
#include <stdexcept>
#include <string>

__attribute__((noinline)) int pick(const std::string &s, unsigned i)
{
	std::string copy(s);
	if (i >= copy.size())
		throw std::out_of_range("pick: index " + std::to_string(i));
	return copy[i];
}

__attribute__((noinline)) int safe_pick(const std::string &s, unsigned i)
{
	try {
		return pick(s, i);
	} catch (const std::out_of_range &) {
		return -1;
	}
}

int main(int argc, char **argv)
{
	std::printf("%d %d\\n", safe_pick(argv[0], argc), safe_pick("ab", 5));
	return 0;
}
`;
const CXX_PATCHED = CXX.replace('i >= copy.size()', 'i + 1 >= copy.size()').replace('pick: index ', 'pick: out of range: ');
const C = `#include <stdio.h>
__attribute__((noinline)) int scale(int x) { return x * 3 + 1; }
int main(int argc, char **argv) { (void)argv; printf("%d\\n", scale(argc)); return 0; }
`;
const C_PATCHED = C.replace('x * 3 + 1', 'x * 5 + 1');
const PERSONALITY = 'DW.ref.__gxx_personality_v0';

let s: Scratch;
let cxx: { orig: string; patched: string };
let stripped: ElfFile;

beforeAll(() => {
  s = makeScratch('tscare-eh-frame-');
  cxx = buildGensrcPair(s, 'pick', { compiler: 'g++', original: CXX, patched: CXX_PATCHED, flags: ['-O2'] });
  const bytes = stripToPatch(readElfFile(cxx.patched));
  stripped = ElfFile.parse(bytes, s.write('pick.stripped', bytes));
});
afterAll(() => s.cleanup());

function section(elf: ElfFile, name: string): SectionHeader {
  const sec = elf.sectionByName(name);
  if (sec === undefined) throw new Error(`${elf.path}: no ${name}`);
  return sec;
}

/** readelf's FDEs of the patched link whose pc_begin lies in .kpatch.text, and the CIEs they use. */
function patchFramesByReadelf(patched: string): { cies: ReadelfRecord[]; fdes: ReadelfRecord[] } {
  const text = section(readElfFile(patched), '.kpatch.text');
  const { records } = readelfFrames(patched);
  const fdes = records.filter((r) => r.kind === 'FDE' && r.pc![0] >= text.sh_addr && r.pc![0] < text.sh_addr + text.sh_size);
  const cies = records.filter((r) => r.kind === 'CIE' && fdes.some((f) => f.cie === r.offset));
  return { cies, fdes };
}

/** The relocations of .rela.kpatch.eh_frame as [offset, type, symbol or section name, addend]. */
/** [offset in .kpatch.eh_frame, type, target, addend]; `base` is the section's link address before undo-link. */
function frameRelocs(elf: ElfFile, base = 0): [number, number, string, number][] {
  const syms = elf.symbols(section(elf, '.symtab'));
  const name = (r: ElfRela): string => (syms[r.sym].type === STT_SECTION ? elf.sections[syms[r.sym].st_shndx].name : syms[r.sym].name);
  return elf.relocations(section(elf, '.rela.kpatch.eh_frame')).map((r) => [r.r_offset - base, r.type, name(r), r.r_addend]);
}

/** The stripped file's frame relocations, section-relative. */
function strippedRelocs(elf: ElfFile): [number, number, string, number][] {
  return frameRelocs(elf, section(elf, '.kpatch.eh_frame').sh_addr);
}

function errorOf(f: () => unknown): { code: string; message: string; hint?: string } {
  try {
    f();
  } catch (e) {
    if (isTscareError(e)) return { code: e.code, message: e.message, hint: e.hint };
    throw e;
  }
  throw new Error('no error');
}

describe('strip carries the frames of the patch\'s code (C++, throws std::out_of_range)', () => {
  it('appends .kpatch.eh_frame and .rela.kpatch.eh_frame after every section, past .kpatch.data', () => {
    const patched = readElfFile(cxx.patched);
    expect(stripped.sections.map((x) => x.name)).toEqual([...patched.sections.map((x) => x.name), '.kpatch.eh_frame', '.rela.kpatch.eh_frame']);
    const eh = section(stripped, '.kpatch.eh_frame');
    const rela = section(stripped, '.rela.kpatch.eh_frame');
    // A link address past every allocated section, as if ld had placed it last.
    const allocEnd = Math.max(...patched.sections.filter((x) => (x.sh_flags & SHF_ALLOC) !== 0).map((x) => x.sh_addr + x.sh_size));
    expect([eh.sh_type, eh.sh_flags, eh.sh_addr, eh.sh_addralign]).toEqual([SHT_PROGBITS, SHF_ALLOC, alignUp(allocEnd, 8), 8]);
    expect([rela.sh_type, rela.sh_flags, rela.sh_link, rela.sh_info, rela.sh_entsize, rela.sh_addralign])
      .toEqual([SHT_RELA, SHF_INFO_LINK, section(stripped, '.symtab').index, eh.index, 24, 8]);
    // The applier maps the patch read-write from .kpatch.data's offset on; libgcc writes the reserved block.
    expect(eh.sh_offset).toBeGreaterThan(section(stripped, '.kpatch.data').sh_offset);
  });

  it('holds exactly the FDEs of the patched function (hot and cold part) and their CIE, as readelf reads them', () => {
    const want = patchFramesByReadelf(cxx.patched);
    expect(want.fdes.length).toBeGreaterThanOrEqual(2);
    expect(want.cies.length).toBe(1);
    const data = stripped.sectionData(section(stripped, '.kpatch.eh_frame'));
    const got = framesOfBytes(s, 'pick-frames.o', data);
    expect(got.records.map((r) => [r.kind, r.length, r.body])).toEqual([...want.cies, ...want.fdes].map((r) => [r.kind, r.length, r.body]));
    for (const fde of got.records.filter((r) => r.kind === 'FDE')) expect(fde.cie).toBe(got.records[0].offset);
    const { recordsEnd, objectOffset } = ehFrameLayout(data);
    expect(got.zeroTerminators[0]).toBe(recordsEnd);
    expect(walkEhFrame(data, { where: 'x', hint: 'x', stopAtTerminator: true }).records.map((r) => r.offset)).toEqual(got.records.map((r) => r.offset));
    expect(objectOffset).toBe(alignUp(recordsEnd + 4, 8));
    expect(data.length).toBe(objectOffset + EH_OBJECT_RESERVED);
    expect(data.subarray(recordsEnd).every((b) => b === 0)).toBe(true);
  });

  it('relocates pc_begin against .kpatch.text, the LSDA against .kpatch.data and the personality against its DW.ref', () => {
    const want = patchFramesByReadelf(cxx.patched);
    const text = section(stripped, '.kpatch.text');
    const relocs = strippedRelocs(stripped);
    expect(new Set(relocs.map((r) => r[2]))).toEqual(new Set(['.kpatch.text', '.kpatch.data', PERSONALITY]));
    expect(relocs.every((r) => r[1] === R_X86_64_PC32)).toBe(true);
    const fdes = walkEhFrame(stripped.sectionData(section(stripped, '.kpatch.eh_frame')), { where: 'x', hint: 'x', stopAtTerminator: true }).records.filter((r) => r.kind === 'fde');
    const pcBegins = fdes.map((f) => relocs.find((r) => r[0] === f.offset + 8));
    expect(pcBegins).toEqual(want.fdes.map((f) => [expect.any(Number), R_X86_64_PC32, '.kpatch.text', f.pc![0] - text.sh_addr]));
    for (const f of fdes) expect(relocs.some((r) => r[2] === '.kpatch.data' && r[0] > f.offset + 8 && r[0] < f.offset + f.size)).toBe(true);
    expect(relocs.filter((r) => r[2] === PERSONALITY).length).toBe(1);
  });

  it('comes through rel-fixup, strip-unneeded, undo-link and make unchanged (tscare-kpatch build)', async () => {
    const r = await buildKpatch({ original: cxx.orig, patched: cxx.patched, patchId: 'eh1' });
    if (r.kind !== 'built') throw new Error(r.reason);
    const kp = parseKpatch(r.bytes, 'pick.kpatch');
    const eh = section(kp.elf, '.kpatch.eh_frame');
    expect(kp.elf.sectionData(eh)).toEqual(stripped.sectionData(section(stripped, '.kpatch.eh_frame')));
    // undo-link made the offsets section-relative, as for every other section.
    expect(frameRelocs(kp.elf)).toEqual(strippedRelocs(stripped));
    expect(eh.sh_offset).toBeGreaterThan(section(kp.elf, '.kpatch.data').sh_offset);
    expect(formatInfo(kp)).toContain('_Z4pickRKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEj.kpatch');
  });
});

describe('LibcarePlus\'s manual flow: binutils strip --strip-unneeded between rel-fixup and undo-link', () => {
  it('keeps .kpatch.eh_frame after the code and .kpatch.data (binutils lays allocated sections out by address)', () => {
    const copy = s.write('pick.binutils-stripped', Buffer.from(stripped.data));
    execFileSync('strip', ['--strip-unneeded', copy]);
    const out = readElfFile(copy);
    const eh = section(out, '.kpatch.eh_frame');
    for (const name of ['.kpatch.text', '.kpatch.data', '.kpatch.info']) expect(eh.sh_offset).toBeGreaterThan(section(out, name).sh_offset);
    expect(out.sectionData(eh)).toEqual(stripped.sectionData(section(stripped, '.kpatch.eh_frame')));
  });
});

describe('strip on patches without C++', () => {
  it('carries the FDE of a plain C function (no LSDA, no personality)', async () => {
    const c = buildGensrcPair(s, 'scale', { compiler: 'gcc', original: C, patched: C_PATCHED, flags: ['-O2'] });
    const want = patchFramesByReadelf(c.patched);
    expect(want.fdes.length).toBe(1);
    const r = await buildKpatch({ original: c.orig, patched: c.patched, patchId: 'c1' });
    if (r.kind !== 'built') throw new Error(r.reason);
    const kp = parseKpatch(r.bytes, 'scale.kpatch');
    const got = framesOfBytes(s, 'scale-frames.o', kp.elf.sectionData(section(kp.elf, '.kpatch.eh_frame')));
    expect(got.records.map((x) => [x.kind, x.body])).toEqual([...want.cies, ...want.fdes].map((x) => [x.kind, x.body]));
    expect(frameRelocs(kp.elf).map((x) => x.slice(1))).toEqual([[R_X86_64_PC32, '.kpatch.text', want.fdes[0].pc![0] - section(readElfFile(c.patched), '.kpatch.text').sh_addr]]);
  });

  it('adds nothing when no FDE describes .kpatch code (-fno-asynchronous-unwind-tables -fno-exceptions)', () => {
    const flags = ['-O2', '-fno-asynchronous-unwind-tables', '-fno-exceptions'];
    const c = buildGensrcPair(s, 'bare', { compiler: 'gcc', original: C, patched: C_PATCHED, flags });
    const patched = readElfFile(c.patched);
    // The C runtime's own objects still bring .eh_frame and its relocations: the selection is what is tested.
    expect(patched.sections.some((x) => x.sh_type === SHT_RELA && x.sh_info === section(patched, '.eh_frame').index)).toBe(true);
    const out = ElfFile.parse(stripToPatch(patched), 'bare.stripped');
    expect(out.sections.map((x) => x.name)).toEqual(patched.sections.map((x) => x.name));
    expect(out.sectionData(section(out, '.shstrtab'))).toEqual(patched.sectionData(section(patched, '.shstrtab')));
  });

  it('leaves an aarch64 link alone (its frames need R_AARCH64_PREL32, which no applier resolves)', () => {
    const copy = Buffer.from(readElfFile(cxx.patched).data);
    copy.writeUInt16LE(EM_AARCH64, 18);
    const out = ElfFile.parse(stripToPatch(ElfFile.parse(copy, 'pick.aarch64')), 'pick.aarch64.stripped');
    expect(out.sectionByName('.kpatch.eh_frame')).toBeUndefined();
    expect(stripped.sectionByName('.kpatch.eh_frame')).toBeDefined();
  });
});

describe('malformed call-frame information', () => {
  /** The patched C++ link with the bytes of its .eh_frame changed by `edit` (at the first FDE of patch code). */
  function corrupted(edit: (data: Buffer, at: number) => void): { elf: ElfFile; at: number } {
    const bytes = readElfFile(cxx.patched).data;
    const copy = Buffer.from(bytes);
    const eh = section(readElfFile(cxx.patched), '.eh_frame');
    const at = patchFramesByReadelf(cxx.patched).fdes[0].offset;
    edit(copy.subarray(eh.sh_offset, eh.sh_offset + eh.sh_size), at);
    return { elf: ElfFile.parse(copy, s.write('pick.corrupt', copy)), at };
  }

  it('refuses a 64-bit record length with KPATCH_BAD_EH_FRAME naming the file and the offset', () => {
    const { elf, at } = corrupted((d, off) => d.writeUInt32LE(0xffffffff, off));
    const e = errorOf(() => stripToPatch(elf));
    expect(e.code).toBe('KPATCH_BAD_EH_FRAME');
    expect(e.message).toContain(`${s.path('pick.corrupt')}: .eh_frame: record at offset 0x${at.toString(16)}: has a 64-bit DWARF length`);
    expect(e.hint).toMatch(/-Wl,-q/);
  });

  it('refuses an FDE whose CIE pointer does not land on a CIE', () => {
    const { elf, at } = corrupted((d, off) => d.writeUInt32LE(d.readUInt32LE(off + 4) - 4, off + 4));
    const e = errorOf(() => stripToPatch(elf));
    expect(e.code).toBe('KPATCH_BAD_EH_FRAME');
    expect(e.message).toMatch(new RegExp(`record at offset 0x${at.toString(16)}: the FDE's CIE pointer 0x[0-9a-f]+ does not land on a CIE`));
  });

  it('ehFrameLayout refuses a section without its terminator, of the wrong size, or with a used reserved block', () => {
    const good = stripped.sectionData(section(stripped, '.kpatch.eh_frame'));
    const { recordsEnd } = ehFrameLayout(good);
    const cases: [string, Buffer][] = [
      ['not followed by a zero terminator', good.subarray(0, recordsEnd)],
      ['expected the terminator, padding to 8', good.subarray(0, good.length - 8)],
      ['is not all zero', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([1])])],
    ];
    for (const [problem, data] of cases) {
      const e = errorOf(() => ehFrameLayout(data, 'p.kpatch: .kpatch.eh_frame'));
      expect([e.code, e.message.includes(problem), e.message.startsWith('p.kpatch: .kpatch.eh_frame: record at offset 0x')]).toEqual(['KPATCH_BAD_EH_FRAME', true, true]);
    }
  });
});
