/** Runs `rpmbuild -bb` on a tscare spec, with macros.tscare loaded and a private topdir. */
import { mkdirSync } from 'node:fs';
import { execa } from 'execa';
import { TscareError } from '@tscare/errors';

export interface RpmBuildJob {
  spec: string;
  topdir: string;
  /** Where the spec's SourceN files are: the patchroot. */
  sourcedir: string;
  macros: string;
}

export interface RpmBuildResult {
  rpms: string[];
  /** Wall time of rpmbuild. */
  ms: number;
}

export async function runRpmbuild(job: RpmBuildJob): Promise<RpmBuildResult> {
  for (const path of [job.topdir, job.sourcedir, job.spec]) {
    // rpmbuild's own %install preamble runs `rm -rf %{buildroot}` unquoted: a space would
    // split the path, so refuse before anything runs.
    if (/\s/.test(path)) {
      throw new TscareError('RPM_BAD_PATH', `rpmbuild cannot work with a path containing white space: "${path}"`, {
        hint: 'use --topdir, --patchroot and --output paths without spaces',
      });
    }
  }
  mkdirSync(job.topdir, { recursive: true });
  const args = ['-bb', '--define', `_topdir ${job.topdir}`, '--define', `_sourcedir ${job.sourcedir}`, '--load', job.macros, job.spec];
  const started = performance.now();
  const result = await execa('rpmbuild', args, { reject: false, all: true, stdin: 'ignore' });
  const ms = performance.now() - started;
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new TscareError('RPM_NO_RPMBUILD', 'rpmbuild is not installed', { hint: 'install it (dnf install rpm-build; on Debian apt-get install rpm)' });
  }
  if (result.failed) {
    const tail = (result.all ?? '').trimEnd().split('\n').slice(-20).map((l) => `  | ${l}`).join('\n');
    throw new TscareError('RPM_BUILD_FAILED', `rpmbuild -bb ${job.spec} failed (${result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`})\n${tail}`);
  }
  const rpms = [...(result.all ?? '').matchAll(/^Wrote: (.+\.rpm)$/gm)].map((m) => m[1]);
  return { rpms, ms };
}
