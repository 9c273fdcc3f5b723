/**
 * Patched stage: merges the original and the patched assembly of one unit with the
 * differ. The differ is imported lazily so the original stage and pass-through calls
 * never pay for loading it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TscareError, isTscareError } from '@tscare/errors';
import { writeTextAtomically } from './temp-files.js';

export interface MergeFiles {
  original: string;
  patched: string;
  merged: string;
  /** Where the unit's report (UnitReport as JSON) goes. */
  report: string;
  /** The object (or linked output) the unit ends up in, recorded in the report. */
  output: string;
  /** Named in a refusal, since it is what the user edited. */
  source: string;
}

/** The per-unit report file: the differ's findings for one source, read by tscare-patch-make. */
export interface UnitReport {
  source: string;
  /** Absolute path of the object or linked output the unit was built into. */
  output: string;
  kind: 'merged' | 'unchanged';
  originalMissing: boolean;
  changed: string[];
  added: string[];
  newVariables: string[];
}

export type MergeOutcome = { kind: 'merged' | 'unchanged'; text: string; originalMissing: boolean; summary: string };

export async function mergeAssembly(files: MergeFiles): Promise<MergeOutcome> {
  // A unit with no original assembly is new in the patch: everything in it is new.
  const originalMissing = !existsSync(files.original);
  const original = originalMissing ? '' : readFileSync(files.original, 'utf8');
  const patched = readFileSync(files.patched, 'utf8');
  const { generateMergedAssembly } = await import('@tscare/asm-diff');
  let result;
  try {
    result = generateMergedAssembly(original, patched, { originalName: files.original, patchedName: files.patched });
  } catch (e) {
    if (!isTscareError(e)) throw e;
    throw new TscareError(e.code, `${files.source}: ${e.message}`, { hint: e.hint, cause: e });
  }
  writeTextAtomically(files.merged, result.text);
  const { changed, added, newVariables } = result.report;
  const report: UnitReport = { source: files.source, output: resolve(files.output), kind: result.kind, originalMissing, changed, added, newVariables };
  writeTextAtomically(files.report, `${JSON.stringify(report)}\n`);
  const parts = [['changed', changed], ['new', added], ['new variables', newVariables]] as const;
  const summary = parts.filter(([, names]) => names.length > 0).map(([what, names]) => `${what}: ${names.join(' ')}`).join('; ');
  return { kind: result.kind, text: result.text, originalMissing, summary };
}

/**
 * True when the text carries the compiler's own line info. Without it, `-g` would make
 * gas describe the assembly text itself, so the caller drops the debug options.
 */
export function carriesLineInfo(asmText: string): boolean {
  return /^\s*\.(loc|file\s+\d)\s/m.test(asmText);
}
