/**
 * What one tscare-ctl run did, per process: the single source of both outputs, libcare-ctl's
 * text lines and the `--json` document (described by ../tscare-ctl-output.schema.json).
 * JSON keys are snake_case, as in the schema.
 */
import { isTscareError } from '@tscare/errors';

export interface ErrorReport {
  code: string;
  message: string;
  hint?: string;
}

export interface PatchReport {
  object: string;
  id: string;
  /** Hex address of the patch mapping ("0x..."). */
  base: string;
  size: number;
  functions: string[];
}

export interface ObjectReport {
  name: string;
  build_id: string;
  ids: string[];
}

interface Done {
  pid: number;
  cmdline: string;
  frozen_us: number;
  attempts: number;
  warnings: string[];
  notes: string[];
}

export type ProcessReport =
  | (Done & { kind: 'applied'; patches: PatchReport[] })
  | (Done & { kind: 'removed'; objects: number })
  | { kind: 'nothing-to-apply'; pid: number; cmdline: string }
  | { kind: 'nothing-to-remove'; pid: number; cmdline: string }
  /** warnings: what an interrupted tscare-ctl left in the process (not applied patches). */
  | { kind: 'listed'; pid: number; objects: ObjectReport[]; warnings: string[] }
  /** cmdline is absent when the process could not be looked at at all. */
  | { kind: 'failed'; pid: number; cmdline?: string; error: ErrorReport };

export interface RunReport {
  tool: 'tscare-ctl';
  /** 'unknown' when the command line could not be parsed. */
  command: 'patch' | 'unpatch' | 'info' | 'exec' | 'help' | 'unknown';
  ok: boolean;
  processes: ProcessReport[];
  /** A failure before any process was looked at (usage, unreadable patch file). */
  error?: ErrorReport;
}

export function errorReport(e: unknown): ErrorReport {
  if (isTscareError(e)) return e.hint ? { code: e.code, message: e.message, hint: e.hint } : { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: (e as Error)?.stack ?? String(e) };
}

/** libcare-ctl's stdout lines for one process (errors and warnings go to stderr, elsewhere). */
export function textLines(r: ProcessReport, verbose: number, failedLine: string): string[] {
  const header = 'cmdline' in r && r.cmdline !== undefined ? [`kpatch_ctl targeting pid ${r.pid}`, `kpatch_ctl cmdline="${r.cmdline}"`] : [];
  const detail = (d: Done): string[] => (verbose > 0 ? [`safety check passed after ${d.attempts} attempt(s)`, ...d.notes] : []);
  switch (r.kind) {
    case 'applied':
      return [
        ...header,
        ...(verbose > 0 ? r.patches.map((p) => `patch ${p.id} for ${p.object} mapped at ${p.base} (${p.size} bytes), replacing: ${p.functions.join(', ') || '(new functions only)'}`) : []),
        ...detail(r),
        `PID '${r.pid}' process patch frozen_time is ${r.frozen_us} microsecond`,
        `${r.patches.length} patch hunk(s) have been successfully applied to PID '${r.pid}'`,
      ];
    case 'removed':
      return [...header, ...detail(r), `PID '${r.pid}' process patch frozen_time is ${r.frozen_us} microsecond`,
        `${r.objects} patch hunk(s) were successfully cancelled from PID '${r.pid}'`];
    case 'nothing-to-apply':
      return [...header, `No patch(es) applicable to PID '${r.pid}' have been found`];
    case 'nothing-to-remove':
      return [...header, `No patch(es) cancellable from PID '${r.pid}' were found`];
    case 'failed':
      return header.length > 0 ? [...header, failedLine] : [];
    case 'listed':
      return [];
  }
}
