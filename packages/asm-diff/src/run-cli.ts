/**
 * tscare-gensrc's body, with its input/output passed in so that tests run it in-process.
 * See cli.ts for the exit codes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { formatError, isTscareError } from '@tscare/errors';
import { parseArgs, USAGE } from './cli-args.js';
import { filterDebug } from './dbg-filter.js';
import { generateMergedAssembly } from './generate.js';
import type { DiffReport } from './types.js';

export const TOOL = 'tscare-gensrc';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads stdin (for `-`). */
  readonly stdin: () => string;
}

export const EXIT = { ok: 0, refused: 1, badInput: 2, internal: 70, usage: 64 } as const;

function formatReport(r: DiffReport, kind: string, json: boolean): string {
  if (json) return JSON.stringify({ kind, ...r }, null, 2) + '\n';
  const line = (label: string, xs: string[]): string => `${label.padEnd(14)}${xs.length ? xs.join(' ') : '-'}\n`;
  return `result:       ${kind}\n` + line('changed:', r.changed) + line('new:', r.added) + line('unchanged:', r.unchanged) + line('new data:', r.newVariables);
}

function exitCodeFor(e: unknown): number {
  if (isTscareError(e)) return e.code.startsWith('DIFF_') ? EXIT.refused : EXIT.badInput;
  // fs errors (ENOENT, EACCES, EISDIR...) carry a string code: bad input, not a crash.
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' ? EXIT.badInput : EXIT.internal;
}

export function runCli(argv: readonly string[], io: CliIo): number {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'usage') {
    io.stderr(`${TOOL}: ${parsed.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const args = parsed.args;
  if (args.help) {
    io.stdout(USAGE + '\n');
    return EXIT.ok;
  }
  const read = (name: string): string => (name === '-' ? io.stdin() : readFileSync(name, 'utf8'));
  const write = (name: string, text: string): void => (name === '-' ? io.stdout(text) : writeFileSync(name, text));
  try {
    if (args.dbgFilter) {
      write(args.output ?? '-', filterDebug(read(args.inputs[0]), args.inputs[0]));
      return EXIT.ok;
    }
    const [orig, patched] = args.inputs;
    const result = generateMergedAssembly(read(orig), read(patched), { originalName: orig, patchedName: patched });
    if (args.output !== undefined) write(args.output, result.text);
    if (args.report || args.json) {
      const text = formatReport(result.report, result.kind, args.json);
      if (args.output === '-') io.stderr(text);
      else io.stdout(text);
    }
    return EXIT.ok;
  } catch (e) {
    io.stderr(formatError(TOOL, e) + '\n');
    return exitCodeFor(e);
  }
}
