/** Public types of the differ. */

export interface GensrcOptions {
  /** Name of the original input, used in messages. */
  originalName: string;
  /** Name of the patched input, used in messages. */
  patchedName: string;
  /** log2 of the page size `.kpatch.data` is aligned to; default 12 (4 KiB). */
  pageShift?: number;
}

export interface DiffReport {
  /** Original functions whose code changed (each gets a `.kpatch` copy and an info entry). */
  changed: string[];
  /** Functions that exist only in the patched file. */
  added: string[];
  /** Functions present in both whose code is the same. */
  unchanged: string[];
  /** Variables (and string literals) that exist only in the patched file. */
  newVariables: string[];
}

/**
 * `unchanged`: nothing to patch; `text` is the original byte for byte (for an empty original,
 * i.e. a new file, the patched file's `.file`/`.ident`/`.note` lines so its object keeps the
 * GNU-stack note). `merged`: the original plus `.kpatch` sections, always newline-terminated.
 */
export type GensrcResult =
  | { kind: 'unchanged'; text: string; report: DiffReport }
  | { kind: 'merged'; text: string; report: DiffReport };
