#!/usr/bin/env node
/**
 * tscare-rpm: turns tscare-patch-make's patchroot into a hot-patch RPM spec (and, with
 * --build, the RPM). Exit codes: 0 done, 1 failure, 64 usage, 78 bad tscare.toml.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatError, isTscareError, restoreParkedEnvironment } from '@tscare/errors';
import { RPM_USAGE, parseRpmCommandLine, type RpmOptions } from './rpm-args.js';
import { findConfig } from './config.js';
import { readPatchMakeEnv } from './env.js';
import { RPM_MACROS_PATH, SPEC_TEMPLATE_PATH, collectPatches, defaultPackageName, renderSpec } from './rpm-spec.js';
import { runRpmbuild } from './rpm-build.js';

const TOOL = 'tscare-rpm';

async function run(o: RpmOptions): Promise<void> {
  const cwd = process.cwd();
  const config = findConfig(o.config, cwd);
  const patchroot = o.patchroot === undefined ? readPatchMakeEnv(process.env, cwd).dirs.patchroot : resolve(cwd, o.patchroot);
  const target = { name: o.targetName, evr: o.targetEvr };
  const name = o.name ?? defaultPackageName(target);
  const spec = renderSpec(readFileSync(SPEC_TEMPLATE_PATH, 'utf8'), {
    target,
    level: o.level ?? config?.patch.level ?? 1,
    release: o.release,
    license: o.license ?? `same as ${o.targetName}`,
    name,
    description: config?.patch.description,
    cves: config?.patch.cves ?? [],
    patches: collectPatches(patchroot),
  });
  const specFile = resolve(cwd, o.output ?? `${name}.spec`);
  writeFileSync(specFile, spec);
  process.stdout.write(`spec: ${specFile}\n`);
  if (!o.build) return;
  const result = await runRpmbuild({ spec: specFile, topdir: resolve(cwd, o.topdir ?? 'rpmbuild'), sourcedir: patchroot, macros: RPM_MACROS_PATH });
  for (const rpm of result.rpms) process.stdout.write(`rpm: ${rpm}\n`);
  process.stderr.write(`${TOOL}: rpmbuild took ${(result.ms / 1000).toFixed(2)} s\n`);
}

async function main(): Promise<number> {
  // rpmbuild and the spec's scripts get the user's NODE_EXTRA_CA_CERTS back (see bin/).
  restoreParkedEnvironment();
  try {
    const command = parseRpmCommandLine(process.argv.slice(2));
    if (command.kind === 'help') {
      process.stdout.write(`${RPM_USAGE}\n`);
      return 0;
    }
    await run(command.options);
    return 0;
  } catch (e) {
    process.stderr.write(`${formatError(TOOL, e)}\n`);
    if (isTscareError(e) && e.code === 'RPM_USAGE') return 64;
    return isTscareError(e) && e.code.startsWith('CONFIG_') ? 78 : 1;
  }
}

process.exitCode = await main();
