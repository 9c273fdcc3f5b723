/** Test support: compile C with the real gcc into a scratch directory. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gas-parser-test-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `gcc <flags> -S src -o -`: the assembly text. Fails loudly when gcc is missing. */
export function compileToAsm(src: string, flags: readonly string[]): string {
  return execFileSync('gcc', [...flags, '-S', src, '-o', '-'], { encoding: 'utf8' });
}

/** The FUNC symbols `readelf -s` lists for an object. */
export function functionSymbols(objectFile: string): string[] {
  const out = execFileSync('readelf', ['-sW', objectFile], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === 'FUNC' && f[6] !== 'UND')
    .map((f) => f[7]);
}
