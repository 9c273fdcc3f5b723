/**
 * Test support: builds the fixture programs and their patches with the real toolchain,
 * starts targets that are not children of the test process (so their ptrace stops are
 * not taken by Node's child handling), and runs the real tscare-ctl.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeKpatchHeader, KPATCH_HEADER_SIZE, readKpatchFile } from '@tscare/kpatch';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(HERE, '../fixtures');
export const CLI = path.resolve(HERE, '../dist/cli.js');
/** The build side is used through its command (bin/'s sh shims), never imported: the applier stays apart from it. */
const KPATCH_CLI = path.resolve(HERE, '../../../bin/tscare-kpatch');
const GENSRC_CLI = path.resolve(HERE, '../../../bin/tscare-gensrc');

export interface BuiltFixture {
  exe: string;
  kpatch: string;
  buildId: string;
}

/** gcc -O2 original.s and patched.s (-Wl,-q), then the .kpatch for them. */
export function buildFixture(dir: string, fixture: string, original: string, patched: string, id: string, libs: string[] = []): BuiltFixture {
  const exe = path.join(dir, path.basename(original, '.s'));
  const patchedExe = path.join(dir, path.basename(patched, '.s'));
  execFileSync('gcc', ['-O2', '-o', exe, path.join(FIXTURES, fixture, original), ...libs]);
  execFileSync('gcc', ['-O2', '-o', patchedExe, path.join(FIXTURES, fixture, patched), '-Wl,-q', ...libs], { stdio: 'pipe' });
  return makeKpatch(dir, fixture, exe, patchedExe, id);
}

/** `tscare-kpatch build`, the result renamed BUILDID.kpatch (the storage's file name). */
function makeKpatch(dir: string, name: string, exe: string, patchedExe: string, id: string): BuiltFixture {
  const tmp = path.join(dir, `${name}-${id}.kpatch`);
  const r = spawnSync(KPATCH_CLI, ['build', '-i', id, '-o', tmp, exe, patchedExe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fixture ${name}: tscare-kpatch build failed (${r.status}): ${r.stderr}`);
  const buildId = readKpatchFile(tmp).header.buildid;
  const kpatch = path.join(dir, `${buildId}.kpatch`);
  fs.renameSync(tmp, kpatch);
  return { exe, kpatch, buildId };
}

/**
 * From C, as the low-level flow does: gcc -S both sources, tscare-gensrc merges them, gcc
 * links the original and the merged one (-Wl,-q), tscare-kpatch builds the patch. `out` is
 * the name of the original binary in `dir` (the patched one is OUT.patched).
 */
export function buildFromC(dir: string, out: string, originalC: string, patchedC: string,
  opts: { cflags?: string[]; ldflags?: string[]; id?: string } = {}): BuiltFixture {
  const cflags = ['-O2', ...(opts.cflags ?? [])];
  const asm = (c: string, s: string): void => void execFileSync('gcc', [...cflags, '-S', path.join(FIXTURES, c), '-o', s]);
  const [origS, newS, mergedS] = ['orig', 'new', 'merged'].map((k) => path.join(dir, `${out}.${k}.s`));
  asm(originalC, origS);
  asm(patchedC, newS);
  const g = spawnSync(GENSRC_CLI, ['-i', origS, '-i', newS, '-o', mergedS], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(`${patchedC}: tscare-gensrc failed (${g.status}): ${g.stderr}`);
  const exe = path.join(dir, out);
  execFileSync('gcc', [...cflags, '-o', exe, origS, ...(opts.ldflags ?? [])]);
  execFileSync('gcc', [...cflags, '-o', `${exe}.patched`, mergedS, '-Wl,-q', ...(opts.ldflags ?? [])], { stdio: 'pipe' });
  return makeKpatch(dir, out, exe, `${exe}.patched`, opts.id ?? '0001');
}

/** Runs the tscare-kpatch command (keygen, sign, ...) and fails loudly when it fails. */
export function runKpatch(args: string[]): string {
  const r = spawnSync(KPATCH_CLI, [...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tscare-kpatch ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export interface Target {
  pid: number;
  out: string;
}

/** Starts `exe args` in its own session through a shell that exits at once; output goes to a file. */
export function startTarget(exe: string, args: string[], out: string, env: NodeJS.ProcessEnv = {}): Target {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const r = spawnSync('sh', ['-c', `setsid ${[exe, ...args].map(q).join(' ')} > ${q(out)} 2>&1 < /dev/null & echo $!`], { encoding: 'utf8', env: { ...process.env, ...env } });
  const pid = Number(r.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`could not start ${exe}: ${r.stderr}`);
  return { pid, out };
}

export function killTarget(t: Target | undefined): void {
  if (!t) return;
  try {
    process.kill(t.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export interface CtlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCtl(args: string[]): CtlResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

/** Lines the target printed after byte offset `from`, once at least `count` complete ones exist. */
export async function linesAfter(file: string, from: number, count: number, timeoutMs = 10000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.readFileSync(file).subarray(from).toString('utf8');
    const lines = text.split('\n').slice(0, -1);
    // Exactly `count`: more may have arrived meanwhile, and callers compare whole arrays.
    if (lines.length >= count) return lines.slice(0, count);
    if (Date.now() > deadline) throw new Error(`${file}: only ${lines.length} of ${count} lines after offset ${from}: ${JSON.stringify(text)}`);
    await sleep(20);
  }
}

export function outputSize(file: string): number {
  return fs.statSync(file).size;
}

/** Anonymous r-x mappings (what an applied patch looks like in maps); retired patches are left out. */
export function anonExecMappings(pid: number): string[] {
  const retired = retiredPatchRanges(pid);
  return mapsLines(pid).filter((l) => / r-xp 00000000 00:00 0\s*$/.test(l) && !inRanges(l, retired));
}

function mapsLines(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
}

function inRanges(line: string, ranges: readonly [number, number][]): boolean {
  const [start, end] = line.split(' ')[0].split('-').map((h) => parseInt(h, 16));
  return ranges.some(([a, b]) => start >= a && end <= b);
}

/**
 * Patches removed by unpatch stay mapped, marked "KPATCHr" (retired), because the process
 * may still point into them: [start, end) of each, read from the target's memory.
 */
export function retiredPatchRanges(pid: number): [number, number][] {
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    return mapsLines(pid)
      .filter((l) => / r-xp 00000000 00:00 0\s*$/.test(l))
      .flatMap((l): [number, number][] => {
        const start = parseInt(l.split('-')[0], 16);
        const head = Buffer.alloc(KPATCH_HEADER_SIZE);
        fs.readSync(fd, head, 0, head.length, start);
        if (head.toString('latin1', 0, 8) !== 'KPATCHr\0') return [];
        return [[start, start + decodeKpatchHeader(head, `pid ${pid} at 0x${start.toString(16)}`).kpatch_total_mem_sz]];
      });
  } finally {
    fs.closeSync(fd);
  }
}

/** maps without the lines that change by themselves ([heap] can grow, stacks of new threads) and retired patches. */
export function stableMaps(pid: number): string {
  const retired = retiredPatchRanges(pid);
  return mapsLines(pid).filter((l) => !l.includes('[heap]') && !inRanges(l, retired)).join('\n');
}
