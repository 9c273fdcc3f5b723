/**
 * tscare-patch-make as a list of named steps: restore leftovers, (clean,) build and
 * install the original, apply the patches, build and install the patched tree, put the
 * sources back, make one .kpatch per changed binary.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { PatchMakeOptions } from './args.js';
import type { PatchMakeEnv } from './env.js';
import type { CompilerWrappers } from './find-wrapper.js';
import { planPatches } from './patch-set.js';
import { SourceBackup } from './source-backup.js';
import { runMake, type MakeSetup } from './make-runner.js';
import { buildKpatches, type BinaryOutcome } from './build-kpatches.js';
import { collectUnitReports, loadKeptReports, markPatchedStart, type UnitReport } from './unit-reports.js';
import { tableRows, type TableRow } from './run-table.js';
import { watchStep, type ProgressSink, type StepWatch } from './progress.js';
import { estimateCompiles } from './dry-run.js';

export interface PatchMakeContext {
  /** The top of the make-able tree: everything written stays inside it (or in the LPMAKE_* dirs). */
  cwd: string;
  env: PatchMakeEnv;
  wrappers: CompilerWrappers;
  /** Aborted on SIGINT/SIGTERM: make is stopped and the sources are restored. */
  signal: AbortSignal;
  /** Messages for the user (the CLI prints them, or not in quiet mode). */
  report: (line: string) => void;
  /** Progress of each make step (the CLI shows it on one line, per step, or not at all). */
  progress: ProgressSink;
}

/** `rows` is the end-of-run table, one row per outcome. */
export type PatchMakeResult =
  | { kind: 'patched'; outcomes: BinaryOutcome[]; rows: TableRow[] }
  /** Nothing to patch: no binary differs in code. */
  | { kind: 'no-changes'; outcomes: BinaryOutcome[]; rows: TableRow[] };

type Stage = 'original' | 'patched';

export async function patchMake(opts: PatchMakeOptions, ctx: PatchMakeContext): Promise<PatchMakeResult> {
  const { dirs } = ctx.env;
  mkdirSync(dirs.tmp, { recursive: true });
  const backup = new SourceBackup(ctx.cwd, dirs.tmp);
  const leftover = backup.restoreLeftover();
  if (leftover.length > 0) ctx.report(`restored sources left patched by an interrupted run: ${leftover.join(', ')}`);
  const keptReports = join(dirs.tmp, 'reports.json');
  const reports = opts.update ? loadKeptReports(keptReports) : await buildBothTrees(opts, ctx, backup, keptReports);
  rmSync(join(dirs.tmp, 'kpatch'), { recursive: true, force: true });
  const outcomes = await watchStep(stepWatch(ctx, 'building patches', undefined, undefined), () => buildKpatches({
    originalDir: dirs.original,
    patchedDir: dirs.patched,
    patchroot: dirs.patchroot,
    workDir: join(dirs.tmp, 'kpatch'),
    patchId: opts.patchId,
    buildId: opts.buildId,
    binaries: opts.binaries,
  }));
  const rows = tableRows(outcomes, dirs.patched, dirs.original, reports, ctx.cwd);
  return { kind: outcomes.some((o) => o.kind === 'built' || o.kind === 'failed') ? 'patched' : 'no-changes', outcomes, rows };
}

/** What watchStep needs for one step; `stage` names the wrapper lines that count as compiles. */
function stepWatch(ctx: PatchMakeContext, step: string, stage: Stage | undefined, total: number | undefined): StepWatch {
  return { logFile: ctx.env.ccLog, stage, step, total, emit: ctx.progress };
}

/** Returns the unit reports of the patched build (also saved to `keptReports` for --update). */
async function buildBothTrees(opts: PatchMakeOptions, ctx: PatchMakeContext, backup: SourceBackup, keptReports: string): Promise<UnitReport[]> {
  const { dirs } = ctx.env;
  // A run that fails before the patched build is done must not leave an older run's functions for -u.
  rmSync(keptReports, { force: true });
  const logFile = join(dirs.tmp, 'build.log');
  writeFileSync(logFile, `tscare-patch-make -i ${opts.patchId} ${opts.patches.join(' ')}\n`);
  const setup: MakeSetup = { command: opts.make.command, cwd: ctx.cwd, env: ctx.env.makeEnv, logFile, jobs: opts.jobs, signal: ctx.signal };
  // Planned in memory before anything runs: a patch that does not apply fails fast
  // and changes nothing. The builds do not touch the sources, so the plan stays valid.
  const changes = planPatches(opts.patches, opts.srcdir, ctx.cwd);
  if (opts.clean) await cleanStep(setup, ctx);
  await buildStage(setup, ctx, opts, 'original', dirs.original);
  try {
    backup.apply(changes);
    ctx.report(`applied ${opts.patches.join(', ')}: ${changes.map((c) => c.rel).join(', ') || 'no file changed'}`);
    const marker = join(dirs.tmp, 'patched-start');
    markPatchedStart(marker);
    await buildStage(setup, ctx, opts, 'patched', dirs.patched);
    const roots = [ctx.cwd, resolve(ctx.cwd, opts.srcdir)];
    return collectUnitReports(roots, marker, [dirs.original, dirs.patched, dirs.patchroot], keptReports);
  } finally {
    const restored = backup.restore();
    ctx.report(`restored ${restored.length} source file(s)`);
  }
}

async function cleanStep(setup: MakeSetup, ctx: PatchMakeContext): Promise<void> {
  await watchStep(stepWatch(ctx, 'make clean', undefined, undefined), () => runMake(setup, 'make clean', ['clean'], {}));
  for (const dir of [ctx.env.dirs.original, ctx.env.dirs.patched]) {
    const rel = relative(ctx.cwd, dir);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      ctx.report(`not removing ${dir}: it is outside the project directory`);
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function buildStage(setup: MakeSetup, ctx: PatchMakeContext, opts: PatchMakeOptions, stage: Stage, destdir: string): Promise<void> {
  // Extra flags ride on CC/CXX so that both builds get them whatever the Makefile does
  // with CFLAGS; they are checked to be plain words (tscare-toml.schema.json).
  const flags = opts.extraCflags.map((f) => ` ${f}`).join('');
  const vars = [`CC=${ctx.wrappers.cc}${flags}`, `CXX=${ctx.wrappers.cxx}${flags}`];
  const stageEnv = { TSCARE_STAGE: stage, TSCARE_LOG: ctx.env.ccLog };
  const buildArgs = [...opts.make.targets, ...vars];
  const total = await estimateCompiles(setup, buildArgs, [ctx.wrappers.cc, ctx.wrappers.cxx]);
  await watchStep(stepWatch(ctx, `${stage} build`, stage, total), () => runMake(setup, `${stage} build`, buildArgs, stageEnv));
  mkdirSync(destdir, { recursive: true });
  const installArgs = [...opts.make.installTargets, ...vars, `${opts.destdirVar}=${destdir}`];
  await watchStep(stepWatch(ctx, `${stage} install`, stage, undefined), () => runMake(setup, `${stage} install`, installArgs, stageEnv));
}
