/**
 * Names of the intermediate assembly files, LibcarePlus's convention: next to the
 * object (or, for a compile-and-link call, next to the source), `.kpatch_<name>.<stage>.s`
 * and the merged `.kpatch_<name>.s`, so a failed build can be debugged by reading them.
 */
export type AsmKind = 'original' | 'patched' | 'merged';

export const ASM_PREFIX = '.kpatch_';

export function asmFileName(path: string, kind: AsmKind): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  return `${dir}${ASM_PREFIX}${base}${kind === 'merged' ? '' : `.${kind}`}.s`;
}

/** gcc's -MD file name for an object: its suffix replaced by `.d`. */
export function depFileName(output: string): string {
  const slash = output.lastIndexOf('/');
  const dot = output.lastIndexOf('.');
  return `${dot > slash + 1 ? output.slice(0, dot) : output}.d`;
}
