/**
 * The end-of-run table: one row per candidate binary with its build id, the changed and
 * new functions it carries and where its patch went (or why there is none).
 */
import { relative } from 'node:path';
import { readElfFile } from '@tscare/elf';
import type { BinaryOutcome } from './build-kpatches.js';
import { functionsOf, type UnitReport } from './unit-reports.js';

export interface TableRow {
  binary: string;
  buildId: string;
  changed: string;
  added: string;
  patch: string;
}

const HEADINGS: TableRow = { binary: 'binary', buildId: 'build-id', changed: 'changed functions', added: 'new functions', patch: 'patch' };
const COLUMNS = ['binary', 'buildId', 'changed', 'added', 'patch'] as const;

/** Paths are shown relative to where the user ran the tool. */
export function tableRows(outcomes: readonly BinaryOutcome[], patchedDir: string, originalDir: string, reports: readonly UnitReport[], cwd: string): TableRow[] {
  return outcomes.map((o) => {
    const rel = relative(originalDir, o.original);
    const fns = o.kind === 'built' ? functionsOf(`${patchedDir}/${rel}`, reports) : undefined;
    return {
      binary: relative(cwd, o.original),
      buildId: o.kind === 'built' ? o.buildId : buildIdOf(o.original),
      changed: fns === undefined ? '-' : list(fns.changed),
      added: fns === undefined ? '-' : list(fns.added),
      patch: patchCell(o, cwd),
    };
  });
}

function patchCell(o: BinaryOutcome, cwd: string): string {
  switch (o.kind) {
    case 'built':
      return relative(cwd, o.file);
    case 'unchanged':
      return 'no change';
    case 'skipped':
      return `skipped (${o.reason})`;
    case 'failed':
      return `error ${o.error.code}`;
  }
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '-' : names.join(' ');
}

function buildIdOf(file: string): string {
  try {
    return readElfFile(file).buildId() ?? 'none';
  } catch {
    return 'unreadable';
  }
}

/** Plain text columns, widths from the longest cell; the last column is not padded. */
export function formatTable(rows: readonly TableRow[]): string {
  const all = [HEADINGS, ...rows];
  const widths = COLUMNS.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => COLUMNS.map((c, i) => (i === COLUMNS.length - 1 ? r[c] : r[c].padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
