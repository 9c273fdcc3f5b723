import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Test support: real gcc/as/ld runs in a scratch directory under os.tmpdir(). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export interface Scratch {
  dir: string;
  path(name: string): string;
  write(name: string, text: string | Buffer): string;
  /** Runs gcc with `args` inside the scratch directory. */
  gcc(args: string[]): void;
  /** `gcc -S` of C source text, returning the assembly. */
  compileToAsm(name: string, source: string, flags: string[]): string;
  cleanup(): void;
}

export function makeScratch(prefix = 'tscare-kpatch-'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = (name: string) => join(dir, name);
  const gcc = (args: string[]) => {
    execFileSync('gcc', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  return {
    dir,
    path,
    write: (name, text) => {
      writeFileSync(path(name), text);
      return path(name);
    },
    gcc,
    compileToAsm: (name, source, flags) => {
      writeFileSync(path(`${name}.c`), source);
      gcc([...flags, '-S', '-o', `${name}.s`, `${name}.c`]);
      return readFileSync(path(`${name}.s`), 'utf8');
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Builds the example pair of the reference: foo (original) and foobar (patched, -Wl,-q). */
export function buildFooPair(s: Scratch): { orig: string; patched: string } {
  s.write('foo.s', fixture('foo.s'));
  s.write('foobar.s', fixture('foobar.s'));
  s.gcc(['-O2', '-o', 'foo', 'foo.s']);
  s.gcc(['-O2', '-o', 'foobar', 'foobar.s', '-Wl,-q']);
  return { orig: s.path('foo'), patched: s.path('foobar') };
}

/** Output of a binutils tool, for cross-checks. */
export function tool(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
