/**
 * Fills rpm/tscare-patch.spec.in: one hot-patch package holding every `.kpatch` of a
 * patchroot in the storage layout (BUILDID/LEVEL/kpatch.bin, latest -> LEVEL,
 * description), requiring the exact version-release of the package it fixes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKpatchFile } from '@tscare/kpatch';
import { TscareError } from '@tscare/errors';

export const SPEC_TEMPLATE_PATH = fileURLToPath(new URL('../rpm/tscare-patch.spec.in', import.meta.url));
export const RPM_MACROS_PATH = fileURLToPath(new URL('../rpm/macros.tscare', import.meta.url));

/** One `.kpatch` of the patchroot, checked: its name is the build id in its header. */
export interface StoredPatch {
  file: string;
  buildId: string;
  patchId: string;
}

export interface RpmSpecInput {
  target: { name: string; evr: string };
  level: number;
  release: string;
  license: string;
  /** Default: tscare-patch-<target>-<evr with '.', '-' and ':' as '_'>. */
  name: string | undefined;
  description: string | undefined;
  cves: string[];
  patches: StoredPatch[];
}

const DESCRIPTION_END = 'TSCARE_DESCRIPTION_END';

function rpmError(message: string, hint?: string): TscareError {
  return new TscareError('RPM_BAD_INPUT', message, { hint });
}

export function collectPatches(patchroot: string): StoredPatch[] {
  let names: string[];
  try {
    names = readdirSync(patchroot).filter((n) => n.endsWith('.kpatch')).sort();
  } catch (e) {
    throw rpmError(`cannot read the patchroot ${patchroot}: ${(e as Error).message}`, 'run tscare-patch-make first (or set LPMAKE_PATCHROOT)');
  }
  if (names.length === 0) throw rpmError(`no .kpatch file in ${patchroot}`, 'run tscare-patch-make first; it writes <patchroot>/<build-id>.kpatch');
  return names.map((n) => {
    const file = join(patchroot, n);
    const { header } = readKpatchFile(file);
    // The storage directory is named by build id: a renamed file would be stored where
    // no process looks for it.
    if (n !== `${header.buildid}.kpatch`) {
      throw rpmError(`${file}: its header is for build id ${header.buildid}, its name says ${n.slice(0, -'.kpatch'.length)}`, 'keep the names tscare-patch-make gives');
    }
    return { file, buildId: header.buildid, patchId: header.id };
  });
}

export function defaultPackageName(target: { name: string; evr: string }): string {
  return `tscare-patch-${target.name}-${target.evr.replace(/[.:-]/g, '_')}`;
}

function checkInput(input: RpmSpecInput): void {
  const { name, evr } = input.target;
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) throw rpmError(`invalid package name "${name}"`);
  if (!/^(\d+:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$/.test(evr)) {
    throw rpmError(`invalid version-release "${evr}": [EPOCH:]VERSION-RELEASE expected, e.g. 1.0-1.el9`);
  }
  if (!/^[A-Za-z0-9._+~^]+$/.test(input.release)) throw rpmError(`invalid release "${input.release}"`);
  if (input.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(input.name)) throw rpmError(`invalid package name "${input.name}"`);
  if (/[\n%]/.test(input.license) || input.license.trim() === '') throw rpmError(`invalid license "${input.license}": one line without '%'`);
  for (const p of input.patches) {
    // The id goes into shell scriptlets; LibcarePlus ids are short words like 0001.
    if (!/^[A-Za-z0-9._+-]+$/.test(p.patchId)) throw rpmError(`${p.file}: patch id "${p.patchId}" cannot be packaged: letters, digits and ._+- only`);
  }
  if (input.description?.split('\n').includes(DESCRIPTION_END)) throw rpmError(`the description may not contain a line "${DESCRIPTION_END}"`);
}

/** Spec text is macro-expanded: a literal '%' is written '%%'. */
function literal(text: string): string {
  return text.replaceAll('%', '%%');
}

function descriptionText(input: RpmSpecInput): string {
  const ids = [...new Set(input.patches.map((p) => p.patchId))];
  return [
    `tscare hot patch ${ids.join(', ')} (level ${input.level}) for ${input.target.name}-${input.target.evr}`,
    ...(input.cves.length > 0 ? [`Fixes: ${input.cves.join(', ')}`] : []),
    ...(input.description === undefined ? [] : ['', input.description.trimEnd()]),
  ].join('\n');
}

export function renderSpec(template: string, input: RpmSpecInput): string {
  checkInput(input);
  const { level, patches } = input;
  const name = input.name ?? defaultPackageName(input.target);
  const ids = [...new Set(patches.map((p) => p.patchId))];
  const descFile = `${name}.description`;
  const values: Record<string, string> = {
    NAME: name,
    LEVEL: String(level),
    RELEASE: input.release,
    LICENSE: input.license,
    TARGET_NAME: input.target.name,
    TARGET_EVR: input.target.evr,
    SUMMARY: literal(`Hot patch ${ids.join(', ')} for ${input.target.name}-${input.target.evr}${input.cves.length > 0 ? ` (${input.cves.join(', ')})` : ''}`),
    DESCRIPTION: literal(descriptionText(input)),
    DESCRIPTION_TEXT: literal(descriptionText(input)),
    DESCRIPTION_FILE: descFile,
    SOURCES: patches.map((p, i) => `Source${i}:${' '.repeat(Math.max(1, 9 - String(i).length))}${p.buildId}.kpatch`).join('\n'),
    INSTALL: patches.flatMap((p, i) => [
      `%tscare_install_kpatch ${p.buildId} ${level} %{SOURCE${i}}`,
      `%tscare_install_description ${p.buildId} ${level} ${descFile}`,
    ]).join('\n'),
    FILES: patches.map((p) => `%tscare_files ${p.buildId} ${level}`).join('\n'),
    PATCH_IDS: ids.join(' '),
    BUILDIDS: patches.map((p) => p.buildId).join(' '),
  };
  const spec = template.replace(/@([A-Z_]+)@/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new TscareError('RPM_BAD_TEMPLATE', `the spec template has an unknown placeholder ${whole}`);
    return value;
  });
  return spec;
}
