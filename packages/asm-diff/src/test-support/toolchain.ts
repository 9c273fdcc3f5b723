/** Test support: the real gcc/readelf/objcopy on scratch files. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'asm-diff-test-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Compiles `src` as `<dir>/<stage>/case.c` so that both stages carry the same file name,
 * as they do in a real build; returns the assembly text.
 */
export function compileStage(dir: string, stage: string, src: string, flags: readonly string[]): string {
  const d = join(dir, stage);
  mkdirSync(d, { recursive: true });
  copyFileSync(src, join(d, 'case.c'));
  return execFileSync('gcc', [...flags, '-S', 'case.c', '-o', '-'], { cwd: d, encoding: 'utf8' });
}

export function assemble(dir: string, name: string, text: string): string {
  const s = join(dir, `${name}.s`);
  const o = join(dir, `${name}.o`);
  writeFileSync(s, text);
  execFileSync('gcc', ['-c', s, '-o', o]);
  return o;
}

export interface SectionInfo {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly flags: string;
}

export function sections(obj: string): SectionInfo[] {
  const out = execFileSync('readelf', ['-SW', obj], { encoding: 'utf8' });
  const rows: SectionInfo[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)\s/.exec(line);
    if (m) rows.push({ index: Number(m[1]), name: m[2], type: m[3], size: parseInt(m[4], 16), flags: m[5] });
  }
  return rows;
}

export interface SymbolInfo {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: string;
  readonly ndx: string;
}

export function symbols(obj: string): SymbolInfo[] {
  const out = execFileSync('readelf', ['-sW', obj], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => /^\d+:$/.test(f[0] ?? '') && f.length >= 8)
    .map((f) => ({ name: f[7], value: parseInt(f[1], 16), size: Number(f[2]), type: f[3], ndx: f[6] }));
}

/** The raw bytes of one section (before relocation), through objcopy. */
export function sectionBytes(dir: string, obj: string, section: string): Buffer {
  const out = join(dir, 'section.bin');
  execFileSync('objcopy', ['-O', 'binary', '--set-section-flags', `${section}=alloc`, '-j', section, obj, out]);
  return readFileSync(out);
}
