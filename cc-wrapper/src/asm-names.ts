/**
 * Names of the intermediate assembly files, LibcarePlus's convention: next to the
 * object, `.kpatch_<name>.<stage>.s` and the merged `.kpatch_<name>.s`, so a failed
 * build can be debugged by reading them.
 */
export type AsmKind = 'original' | 'patched' | 'merged';

export const ASM_PREFIX = '.kpatch_';

export function asmFileName(path: string, kind: AsmKind): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  return `${dir}${ASM_PREFIX}${base}${kind === 'merged' ? '' : `.${kind}`}.s`;
}

/**
 * The patched stage's account of one unit, next to its merged `.s`: what the differ found
 * (changed and new functions). tscare-patch-make reads these for its end-of-run table.
 */
export function reportFileName(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}${ASM_PREFIX}${path.slice(slash + 1)}.report.json`;
}

/**
 * The base name for the assembly of the `index`-th source of a compile-and-link call:
 * next to the linked output (the source's directory may be read-only in an out-of-tree
 * build), and unique per output and position (two links of one source under `make -j`,
 * or two `util.c` from different directories in one link, must not share a file).
 * argv is the same in both stages, so the patched stage finds the original's file.
 */
export function linkUnitBase(output: string, index: number, source: string): string {
  const slash = output.lastIndexOf('/');
  return `${output.slice(0, slash + 1)}${output.slice(slash + 1)}.${index}-${source.slice(source.lastIndexOf('/') + 1)}`;
}

/** gcc's -MD file name for an object: its suffix replaced by `.d`. */
export function depFileName(output: string): string {
  const slash = output.lastIndexOf('/');
  const dot = output.lastIndexOf('.');
  return `${dot > slash + 1 ? output.slice(0, dot) : output}.d`;
}
