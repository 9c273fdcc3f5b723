/** The command line of tscare-patch-make, LibcarePlus's libcare-patch-make options. */
import { parseArgs } from 'node:util';
import { TscareError } from '@tscare/errors';
import type { TscareConfig } from './config.js';
import type { BinaryFilter } from './glob.js';

/** How make is called; `tscare.toml`'s [make] table or the defaults. */
export interface MakeCommand {
  command: string;
  /** Empty: make's default goal. */
  targets: string[];
  installTargets: string[];
}

export interface PatchMakeOptions {
  clean: boolean;
  /** Skip both builds; only make the .kpatch files from the installed trees. */
  update: boolean;
  srcdir: string;
  /** Name of the make variable for the install root (`-d`, default DESTDIR). */
  destdirVar: string;
  patchId: string;
  buildId: string | undefined;
  jobs: number | undefined;
  patches: string[];
  make: MakeCommand;
  /** Added to every compiler call of both builds (appended to CC and CXX). */
  extraCflags: string[];
  binaries: BinaryFilter;
  /** Only errors and the final table (-q). */
  quiet: boolean;
}

/** What the command line said, before tscare.toml fills the gaps. */
export interface GivenOptions extends RawValues {
  patches: string[];
}

export type ParsedCommand = { kind: 'help' } | { kind: 'run'; given: GivenOptions };

export const USAGE = `usage: tscare-patch-make [-c|--clean] [-u|--update] [-s|--srcdir DIR] [-d|--destdir VAR]
                         -i|--id ID [-b|--buildid BID] [-j|--jobs N] [-q|--quiet] PATCH...
Run where make runs (the top of the tree or a build directory). Builds it twice
through tscare-cc (original, then with PATCH... applied), and writes
<patchroot>/<build-id>.kpatch for every changed binary.
  -c, --clean        run 'make clean' and remove the previous install trees first
  -u, --update       do not build; make patches from the existing install trees
  -s, --srcdir DIR   apply the patches (-p1) in DIR, e.g. -s .. from a build directory
                     (default: .); PATCH names are relative to the working directory
  -d, --destdir VAR  make variable for the install root (default: DESTDIR)
  -i, --id ID        patch id stored in the .kpatch header (at most 7 characters)
  -b, --buildid BID  use BID as the build id of every original binary
  -j, --jobs N       parallel make jobs
  -q, --quiet        print only errors and the final table (for CI logs)
      --config FILE  settings file (default: ./tscare.toml when it exists); options given
                     on the command line win over it`;

function usageError(message: string): TscareError {
  return new TscareError('PATCHMAKE_USAGE', message, { hint: 'run tscare-patch-make --help' });
}

export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        clean: { type: 'boolean', short: 'c' },
        update: { type: 'boolean', short: 'u' },
        srcdir: { type: 'string', short: 's' },
        destdir: { type: 'string', short: 'd' },
        id: { type: 'string', short: 'i' },
        buildid: { type: 'string', short: 'b' },
        jobs: { type: 'string', short: 'j' },
        config: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
      },
    });
  } catch (e) {
    throw usageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  return { kind: 'run', given: { ...v, patches: parsed.positionals } };
}

interface RawValues {
  config?: string;
  clean?: boolean;
  update?: boolean;
  srcdir?: string;
  destdir?: string;
  id?: string;
  buildid?: string;
  jobs?: string;
  quiet?: boolean;
}

/** The command line over tscare.toml over the defaults, then checked as one. */
export function resolveOptions(given: GivenOptions, config: TscareConfig | undefined): PatchMakeOptions {
  const c = config;
  const jobs = given.jobs ?? (c?.make.jobs === undefined ? undefined : String(c.make.jobs));
  const v: RawValues = { ...given, id: given.id ?? c?.patch.id, destdir: given.destdir ?? c?.make.installVar, jobs };
  const patches = given.patches.length > 0 ? given.patches : c?.patch.files ?? [];
  return {
    ...checkOptions(v, patches),
    make: {
      command: c?.make.command ?? 'make',
      targets: c?.make.targets ?? [],
      installTargets: c?.make.installTargets ?? ['install'],
    },
    extraCflags: c?.compiler.extraFlags ?? [],
    binaries: c?.binaries ?? { patch: [], skip: [] },
  };
}

type CheckedOptions = Omit<PatchMakeOptions, 'make' | 'extraCflags' | 'binaries'>;

function checkOptions(v: RawValues, patches: string[]): CheckedOptions {
  if (v.id === undefined || v.id === '') throw usageError('a patch id is required (-i ID, or id in [patch] of tscare.toml)');
  if (v.id.length > 7) throw usageError(`invalid patch id "${v.id}": at most 7 characters`);
  if (v.clean && v.update) throw usageError('--clean and --update exclude each other');
  if (v.buildid !== undefined && !/^[0-9a-fA-F]{40}$/.test(v.buildid)) {
    throw usageError(`invalid build id "${v.buildid}": 40 hexadecimal digits expected`);
  }
  if (v.jobs !== undefined && !/^[1-9]\d*$/.test(v.jobs)) throw usageError(`invalid job count "${v.jobs}"`);
  if (v.destdir !== undefined && !/^[A-Za-z_]\w*$/.test(v.destdir)) throw usageError(`invalid make variable name "${v.destdir}"`);
  if (!v.update && patches.length === 0) throw usageError('no patch given (PATCH..., or files in [patch] of tscare.toml)');
  return {
    clean: v.clean ?? false,
    update: v.update ?? false,
    srcdir: v.srcdir ?? '.',
    destdirVar: v.destdir ?? 'DESTDIR',
    patchId: v.id,
    buildId: v.buildid?.toLowerCase(),
    jobs: v.jobs === undefined ? undefined : Number(v.jobs),
    patches,
    quiet: v.quiet ?? false,
  };
}
