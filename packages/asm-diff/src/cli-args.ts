/**
 * tscare-gensrc's command line, as a table: our spelling plus LibcarePlus's kpatch_gensrc
 * spellings (`--input=F`, `--ouput=F` sic, and options accepted with no effect).
 */

export interface CliArgs {
  readonly inputs: string[];
  readonly output?: string;
  readonly report: boolean;
  readonly json: boolean;
  readonly dbgFilter: boolean;
  readonly help: boolean;
}

export type ParseResult = { kind: 'ok'; args: CliArgs } | { kind: 'usage'; message: string };

type Effect = 'input' | 'output' | 'report' | 'json' | 'dbg-filter' | 'help' | 'ignore';

interface OptionSpec {
  readonly names: readonly string[];
  readonly takesValue: boolean;
  readonly effect: Effect;
}

/** Sorted by first name; `takesValue` options accept `--x=V`, `--x V` and `-xV`. */
export const OPTIONS: readonly OptionSpec[] = [
  { names: ['--arch', '-a'], takesValue: true, effect: 'ignore' },
  { names: ['--dbg-filter', '-f'], takesValue: false, effect: 'dbg-filter' },
  { names: ['--dbg-filter-cfi'], takesValue: false, effect: 'ignore' },
  { names: ['--dbg-filter-eh-frame'], takesValue: false, effect: 'ignore' },
  { names: ['--dbg-filter-emit-newlines'], takesValue: false, effect: 'ignore' },
  { names: ['--dbg-filter-gcc-except-table'], takesValue: false, effect: 'ignore' },
  { names: ['--debug', '-d'], takesValue: true, effect: 'ignore' },
  { names: ['--force-global'], takesValue: false, effect: 'ignore' },
  { names: ['--force-gotpcrel'], takesValue: false, effect: 'ignore' },
  { names: ['--help', '-h'], takesValue: false, effect: 'help' },
  { names: ['--input', '-i'], takesValue: true, effect: 'input' },
  { names: ['--json'], takesValue: false, effect: 'json' },
  { names: ['--os', '-O'], takesValue: true, effect: 'ignore' },
  { names: ['--ouput', '--output', '-o'], takesValue: true, effect: 'output' },
  { names: ['--report'], takesValue: false, effect: 'report' },
  { names: ['--test-mode'], takesValue: false, effect: 'ignore' },
];

function find(arg: string): { spec: OptionSpec; inline?: string } | undefined {
  for (const spec of OPTIONS) {
    for (const name of spec.names) {
      if (arg === name) return { spec };
      if (spec.takesValue && name.startsWith('--') && arg.startsWith(name + '=')) return { spec, inline: arg.slice(name.length + 1) };
      if (spec.takesValue && !name.startsWith('--') && arg.startsWith(name) && arg.length > name.length) return { spec, inline: arg.slice(name.length) };
    }
  }
  return undefined;
}

export function parseArgs(argv: readonly string[]): ParseResult {
  const a = { inputs: [] as string[], output: undefined as string | undefined, report: false, json: false, dbgFilter: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const hit = arg === '-' ? undefined : find(arg);
    if (!hit) return { kind: 'usage', message: `unexpected argument '${arg}'` };
    let value = hit.inline;
    if (hit.spec.takesValue && value === undefined) {
      value = argv[++i];
      if (value === undefined) return { kind: 'usage', message: `option ${arg} needs a value` };
    }
    const e = hit.spec.effect;
    if (e === 'input') a.inputs.push(value as string);
    else if (e === 'output') a.output = value;
    else if (e === 'report') a.report = true;
    else if (e === 'json') a.json = true;
    else if (e === 'dbg-filter') a.dbgFilter = true;
    else if (e === 'help') a.help = true;
  }
  if (a.help) return { kind: 'ok', args: a };
  const want = a.dbgFilter ? 1 : 2;
  if (a.inputs.length !== want) return { kind: 'usage', message: `expected ${want} input file(s) (-i), got ${a.inputs.length}` };
  if (a.output === undefined && !a.report) return { kind: 'usage', message: 'missing -o OUT (use - for stdout)' };
  return { kind: 'ok', args: a };
}

export const USAGE = `usage: tscare-gensrc -i ORIGINAL.s -i PATCHED.s -o MERGED.s [--report] [--json]
       tscare-gensrc --dbg-filter -i INPUT.s -o OUTPUT.s
  '-' as a file name means stdin/stdout. --report prints changed/new/unchanged functions
  (on stderr when the merged text goes to stdout); --json prints the report as JSON.
  Accepted for LibcarePlus compatibility: --input=F, --ouput=F, --output=F; ignored:
  --os=..., --test-mode, --force-global, --force-gotpcrel, -a/--arch, -d/--debug, --dbg-filter-*.
exit codes: 0 output written (merged or unchanged), 1 refused (cannot patch safely),
  2 bad input (syntax error, unreadable file), 64 usage error`;
