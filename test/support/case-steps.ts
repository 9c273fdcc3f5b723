/**
 * Runs the steps of one case folder against its running program: patches and unpatches with
 * tscare-ctl, and after every step checks what the program prints and that it is alive.
 * A step that expects an error checks the exact code, the words the message must name, that
 * no code was mapped into the target, and that `info` does not list the patch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CaseStep, PatchCase } from './cases.js';
import { BuiltCase, PatchSet } from './flows.js';
import { tool } from './paths.js';
import { run, runOk } from './run.js';
import { TargetProcess } from './target-process.js';

export interface StepContext {
  c: PatchCase;
  built: BuiltCase;
  target: TargetProcess;
  workDir: string;
  /** Lines the program printed last (what the previous expect step saw). */
  current: string[];
}

/** The one .kpatch file of a set, or its folder when it patches several objects. */
export function setArgument(set: PatchSet): string {
  return set.buildIds.length === 1 ? path.join(set.dir, `${set.buildIds[0]}.kpatch`) : set.dir;
}

function setOf(ctx: StepContext, id: string): PatchSet {
  const set = ctx.built.sets.get(id);
  if (!set) throw new Error(`${ctx.c.name}: a step names patch ${id}, which case.json does not build`);
  return set;
}

function info(ctx: StepContext): string {
  return runOk(tool('tscare-ctl'), ['info', '-p', String(ctx.target.pid)]).stdout;
}

function patchIdCount(text: string, id: string): number {
  return text.split('\n').filter((l) => l === `${'Patch id:'.padEnd(25)} ${id}`).length;
}

/** The patch is listed once per object it patches, under each object's build id. */
export function expectListed(ctx: StepContext, id: string, set: PatchSet): void {
  const text = info(ctx);
  expect(patchIdCount(text, id)).toBe(set.buildIds.length);
  // As in LibcarePlus, a build id longer than 20 bytes is listed by its first 40 hex characters.
  for (const b of set.buildIds) expect(text).toContain(`${'Build id:'.padEnd(25)} ${b.slice(0, 40)}\n`);
}

function expectRefused(ctx: StepContext, r: { code: number; stderr: string }, step: { error?: string; mentions: string[] }): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 255, stderr: expect.stringContaining(`error ${step.error}:`) });
  for (const m of step.mentions) expect(r.stderr).toContain(m);
  expect(ctx.target.isAlive()).toBe(true);
}

/**
 * The target's executable mappings: a refused patch must not leave code behind. (Its other
 * mappings may change on their own: a program that starts threads maps their stacks.)
 */
function executableMappings(target: TargetProcess): string[] {
  return target.maps().split('\n').filter((l) => l.split(/\s+/)[1]?.includes('x'));
}

function patchStep(ctx: StepContext, step: Extract<CaseStep, { kind: 'patch' }>): void {
  const set = setOf(ctx, step.id);
  const pid = String(ctx.target.pid);
  const codeBefore = executableMappings(ctx.target);
  const r = run(tool('tscare-ctl'), ['patch', '-p', pid, setArgument(set)]);
  if (step.error) {
    expectRefused(ctx, r, step);
    expect(r.stderr).toContain(pid);
    expect(executableMappings(ctx.target)).toEqual(codeBefore);
    expect(patchIdCount(info(ctx), step.id)).toBe(0);
    return;
  }
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toContain(`${set.buildIds.length} patch hunk(s) have been successfully applied to PID '${pid}'`);
  expect(r.stdout).toMatch(new RegExp(`PID '${pid}' process patch frozen_time is \\d+ microsecond`));
  expectListed(ctx, step.id, set);
}

function unpatchStep(ctx: StepContext, step: Extract<CaseStep, { kind: 'unpatch' }>): void {
  const set = setOf(ctx, step.id);
  const pid = String(ctx.target.pid);
  const before = info(ctx);
  const r = run(tool('tscare-ctl'), ['unpatch', '-p', pid, '-i', step.id]);
  if (step.error) {
    expectRefused(ctx, r, step);
    expect(info(ctx)).toBe(before);
    return;
  }
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toContain(`${set.buildIds.length} patch hunk(s) were successfully cancelled from PID '${pid}'`);
  expect(patchIdCount(info(ctx), step.id)).toBe(0);
}

/**
 * Level storage as LibcarePlus's tests build it: BUILDID/N/kpatch.bin for the Nth patch id of
 * the case, and BUILDID/latest -> N. Moving `latest` and applying the folder again upgrades.
 */
export function levelStorage(ctx: StepContext, level: number): string {
  const root = path.join(ctx.workDir, 'levels');
  ctx.c.patches.forEach(([id], i) => {
    const set = setOf(ctx, id);
    for (const b of set.buildIds) {
      const dir = path.join(root, b, String(i + 1));
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.join(set.dir, `${b}.kpatch`), path.join(dir, 'kpatch.bin'));
    }
  });
  for (const b of fs.readdirSync(root)) {
    const latest = path.join(root, b, 'latest');
    fs.rmSync(latest, { force: true });
    if (fs.existsSync(path.join(root, b, String(level)))) fs.symlinkSync(String(level), latest);
  }
  return root;
}

function levelStep(ctx: StepContext, level: number): void {
  const [id] = ctx.c.patches[level - 1];
  const set = setOf(ctx, id);
  const pid = String(ctx.target.pid);
  const r = runOk(tool('tscare-ctl'), ['patch', '-p', pid, levelStorage(ctx, level)]);
  expect(r.stdout).toContain(`${set.buildIds.length} patch hunk(s) have been successfully applied to PID '${pid}'`);
  // As in LibcarePlus, a level is told apart by its patch id (0001 at level 1, 0002 at 2...).
  expectListed(ctx, id, set);
}

async function expectStep(ctx: StepContext, step: Extract<CaseStep, { kind: 'expect' }>): Promise<void> {
  const previous = ctx.current;
  const window = 3 * Math.max(step.lines.length, previous.length, 1);
  // `skip`: lines a program may still print the old way (e.g. a value it computed earlier).
  const seen = await ctx.target.linesAfter(ctx.target.lines().length, step.skip + window);
  const now = [...new Set(seen.slice(step.skip))].sort();
  expect({ [step.label]: now }).toEqual({ [step.label]: step.lines });
  // Stated on its own: whatever the program printed before and should no longer print is gone.
  for (const old of previous.filter((l) => !step.lines.includes(l))) expect(now).not.toContain(old);
  expect(ctx.target.isAlive()).toBe(true);
  ctx.current = now;
}

/** Deletes the running program's file, or puts another program at its path (new inode, as a package upgrade does). */
function changeProgramFile(ctx: StepContext, change: 'deleted' | 'replaced'): void {
  const file = ctx.built.binary;
  if (change === 'deleted') {
    fs.rmSync(file);
  } else {
    fs.copyFileSync('/bin/sleep', `${file}.new`);
    fs.renameSync(`${file}.new`, file);
  }
  expect(fs.readlinkSync(`/proc/${ctx.target.pid}/exe`)).toBe(`${file} (deleted)`);
}

export async function runStep(ctx: StepContext, step: CaseStep): Promise<void> {
  switch (step.kind) {
    case 'program-file':
      return changeProgramFile(ctx, step.change);
    case 'patch':
      return patchStep(ctx, step);
    case 'unpatch':
      return unpatchStep(ctx, step);
    case 'patch-level':
      return levelStep(ctx, step.level);
    case 'expect':
      return expectStep(ctx, step);
  }
}
