/**
 * Test support for the fault tests: what state the `pair` fixture is in, seen from outside
 * by three independent means: what it prints, its maps, and the bytes at the entry of each
 * function the patch replaces.
 */
import fs from 'node:fs';
import { PT_LOAD, readElfFile } from '@tscare/elf';
import { spawnSync } from 'node:child_process';
import { anonExecMappings, CLI, linesAfter, outputSize, type Target } from './test-targets.js';

export const PAIR_FUNCTIONS = ['first', 'second'] as const;
const JMP = 0xe9;

/** Run-time addresses of first() and second() in the target (PIE load bias from maps). */
export function functionAddresses(exe: string, pid: number): number[] {
  const elf = readElfFile(exe);
  const symtab = elf.sections.find((s) => s.name === '.symtab')!;
  const syms = elf.symbols(symtab);
  const lowest = Math.min(...elf.programHeaders.filter((p) => p.p_type === PT_LOAD).map((p) => p.p_vaddr));
  const real = fs.realpathSync(exe);
  const line = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').find((l) => l.endsWith(` ${real}`))!;
  const bias = parseInt(line.split('-')[0], 16) - (lowest - (lowest % 4096));
  return PAIR_FUNCTIONS.map((n) => bias + syms.find((s) => s.name === n)!.st_value);
}

/** For each replaced function: does its entry hold a jump now? */
export function entryJumps(pid: number, addrs: readonly number[]): boolean[] {
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    return addrs.map((a) => {
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, a);
      return b[0] === JMP;
    });
  } finally {
    fs.closeSync(fd);
  }
}

export type PairState = 'unpatched' | 'patched' | 'half';

export interface Observed {
  /** From the output: every line old/old, every line new/new, or a mixed line. */
  printed: PairState;
  /** The last line printed. */
  line: string;
  jumps: boolean[];
  anonExec: number;
}

function stateOfLine(line: string): PairState {
  if (line === 'first=old second=old') return 'unpatched';
  if (line === 'first=new second=new') return 'patched';
  if (/^first=(old|new) second=(old|new)$/.test(line)) return 'half';
  throw new Error(`unexpected output line ${JSON.stringify(line)}`);
}

/** Waits for 3 fresh lines (so the target is alive and running) and reads the rest of the state. */
export async function observe(target: Target, addrs: readonly number[]): Promise<Observed> {
  const lines = await linesAfter(target.out, outputSize(target.out), 3);
  // The first line may have been printed half before our look: judge the last two.
  const states = new Set(lines.slice(1).map(stateOfLine));
  if (states.size !== 1) throw new Error(`the target changed state while observed: ${JSON.stringify(lines)}`);
  return { printed: [...states][0], line: lines[lines.length - 1], jumps: entryJumps(target.pid, addrs), anonExec: anonExecMappings(target.pid).length };
}

export interface KilledRun {
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** tscare-ctl with the test-only fault switch set to `step`. */
export function runCtlFault(step: string, args: string[]): KilledRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000, env: { ...process.env, TSCARE_TEST_FAULT: step } });
  return { signal: r.signal, code: r.status, stderr: r.stderr };
}
