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

export type GensrcResult =
  | { kind: 'unchanged'; text: string; report: DiffReport }
  | { kind: 'merged'; text: string; report: DiffReport };
