/** The command line of tscare-rpm. */
import { parseArgs } from 'node:util';
import { TscareError } from '@tscare/errors';

export interface RpmOptions {
  targetName: string;
  targetEvr: string;
  level: number | undefined;
  release: string;
  license: string | undefined;
  name: string | undefined;
  config: string | undefined;
  patchroot: string | undefined;
  output: string | undefined;
  build: boolean;
  topdir: string | undefined;
}

export type RpmCommand = { kind: 'help' } | { kind: 'run'; options: RpmOptions };

export const RPM_USAGE = `usage: tscare-rpm --target NAME --target-evr [EPOCH:]VERSION-RELEASE [--level N]
                  [--release R] [--license TEXT] [--name PKG] [--config FILE]
                  [--patchroot DIR] [-o|--output SPEC] [--build [--topdir DIR]]
Writes an RPM spec that installs every <patchroot>/<build-id>.kpatch as
/var/lib/tscare/<build-id>/<level>/kpatch.bin (with latest -> <level> and a description),
requires NAME = VERSION-RELEASE, applies the patches in %post and removes them in %preun.
  --target NAME        the package whose binaries the patches fix
  --target-evr EVR     its exact [EPOCH:]VERSION-RELEASE (rpm -q --qf '%{EVR}' NAME)
  --level N            patch level, also the package version (default: patch.level of
                       tscare.toml, else 1); a higher level upgrades a lower one
  --release R          package release (default 1)
  --license TEXT       License: tag (default "same as NAME")
  --name PKG           package name (default tscare-patch-NAME-<EVR with _>)
  --config FILE        tscare.toml for the description and CVE ids (default ./tscare.toml)
  --patchroot DIR      where the .kpatch files are (default $LPMAKE_PATCHROOT or ./patchroot)
  -o, --output SPEC    the spec to write (default ./PKG.spec)
  --build              also run rpmbuild -bb (with macros.tscare loaded)
  --topdir DIR         rpmbuild's _topdir (default ./rpmbuild)`;

function usageError(message: string): TscareError {
  return new TscareError('RPM_USAGE', message, { hint: 'run tscare-rpm --help' });
}

export function parseRpmCommandLine(argv: readonly string[]): RpmCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        target: { type: 'string' },
        'target-evr': { type: 'string' },
        level: { type: 'string' },
        release: { type: 'string' },
        license: { type: 'string' },
        name: { type: 'string' },
        config: { type: 'string' },
        patchroot: { type: 'string' },
        output: { type: 'string', short: 'o' },
        build: { type: 'boolean' },
        topdir: { type: 'string' },
      },
    });
  } catch (e) {
    throw usageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (v.target === undefined || v['target-evr'] === undefined) throw usageError('--target NAME and --target-evr VERSION-RELEASE are required');
  if (v.level !== undefined && !/^[1-9]\d{0,3}$/.test(v.level)) throw usageError(`invalid level "${v.level}": an integer from 1 to 9999`);
  if (v.topdir !== undefined && !v.build) throw usageError('--topdir is only used with --build');
  return {
    kind: 'run',
    options: {
      targetName: v.target,
      targetEvr: v['target-evr'],
      level: v.level === undefined ? undefined : Number(v.level),
      release: v.release ?? '1',
      license: v.license,
      name: v.name,
      config: v.config,
      patchroot: v.patchroot,
      output: v.output,
      build: v.build ?? false,
      topdir: v.topdir,
    },
  };
}
