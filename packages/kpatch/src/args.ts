import { TscareError } from '@tscare/errors';

/** A parsed `tscare-kpatch` command line. */
export type KpatchCommand =
  | { kind: 'strip'; input: string; output: string }
  | { kind: 'rel-fixup'; orig: string; patch: string }
  | { kind: 'strip-unneeded'; input: string; output: string }
  | { kind: 'undo-link'; orig: string; patch: string }
  | { kind: 'make'; buildId: string; patchId: string; output: string | undefined; input: string }
  | { kind: 'build'; patchId: string; buildId: string | undefined; output: string | undefined; workDir: string | undefined; orig: string; patched: string }
  | { kind: 'info'; file: string }
  | { kind: 'build-id'; file: string }
  | { kind: 'keygen'; output: string }
  | { kind: 'sign'; key: string; output: string | undefined; file: string }
  | { kind: 'verify'; key: string; file: string }
  | { kind: 'help' };

export const USAGE = `usage:
  tscare-kpatch strip IN OUT                 keep only the patch sections of a patched binary (--strip, -s)
  tscare-kpatch rel-fixup ORIG PATCH         fix relocations in place against ORIG (--rel-fixup, -r)
  tscare-kpatch strip-unneeded IN [OUT]      drop symbols no relocation uses (in-process strip --strip-unneeded)
  tscare-kpatch undo-link ORIG PATCH         make PATCH relocatable against ORIG, in place (--undo-link, -u)
  tscare-kpatch make -b BUILDID -i ID [-o OUT] IN    wrap IN in a .kpatch header (stdout without -o)
  tscare-kpatch build -i ID [-b BUILDID] [-o OUT] [-w WORKDIR] ORIG PATCHED
                                             the whole chain; OUT defaults to <BUILDID>.kpatch
  tscare-kpatch info FILE                    verify a .kpatch and print its header and info entries
  tscare-kpatch build-id ELF                 print the GNU build id of a binary (the -b of make)
  tscare-kpatch keygen -o KEY                write an Ed25519 key pair: KEY (private, 0600) and KEY.pub
  tscare-kpatch sign -k KEY [-o SIG] FILE    write the detached signature FILE.sig (default) of FILE
  tscare-kpatch verify -k KEY.pub FILE       check FILE against FILE.sig and the public key
exit codes: 0 ok, 1 refused or bad input, 2 nothing to patch (build), 64 usage, 70 internal error`;

const ALIASES: Record<string, string> = { '--strip': 'strip', '-s': 'strip', '--rel-fixup': 'rel-fixup', '-r': 'rel-fixup', '--undo-link': 'undo-link', '-u': 'undo-link' };

function usage(message: string): TscareError {
  return new TscareError('USAGE', message, { hint: 'run tscare-kpatch --help' });
}

/** Splits `-b X`, `-bX`, `--opt=X` style options (each at most once) from positionals. */
function splitOptions(args: string[], allowed: Record<string, string>): { opts: Map<string, string>; positionals: string[] } {
  const opts = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { positionals.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { positionals.push(a); continue; }
    const [flag, inline] = a.startsWith('--') ? [a.split('=')[0], a.includes('=') ? a.slice(a.indexOf('=') + 1) : undefined] : [a.slice(0, 2), a.length > 2 ? a.slice(2) : undefined];
    const name = allowed[flag];
    if (name === undefined) throw usage(`unknown option ${flag}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw usage(`option ${flag} needs a value`);
    if (opts.has(name)) throw usage(`option ${flag} given twice`);
    opts.set(name, value);
  }
  return { opts, positionals };
}

function positionals(args: string[], count: number, command: string, max = count): string[] {
  const { positionals: pos } = splitOptions(args, {});
  if (pos.length < count || pos.length > max) throw usage(`${command} takes ${count === max ? count : `${count} to ${max}`} file arguments, got ${pos.length}`);
  return pos;
}

function required(opts: Map<string, string>, name: string, flag: string, command: string): string {
  const v = opts.get(name);
  if (v === undefined || v === '') throw usage(`${command} needs ${flag}`);
  return v;
}

export function parseArgs(argv: string[]): KpatchCommand {
  const [first, ...rest] = argv;
  if (first === undefined) throw usage('no command given');
  if (first === '-h' || first === '--help' || first === 'help') return { kind: 'help' };
  const command = ALIASES[first] ?? first;
  switch (command) {
    case 'strip': { const [input, output] = positionals(rest, 2, command); return { kind: 'strip', input, output }; }
    case 'rel-fixup': { const [orig, patch] = positionals(rest, 2, command); return { kind: 'rel-fixup', orig, patch }; }
    case 'undo-link': { const [orig, patch] = positionals(rest, 2, command); return { kind: 'undo-link', orig, patch }; }
    case 'strip-unneeded': { const [input, output] = positionals(rest, 1, command, 2); return { kind: 'strip-unneeded', input, output: output ?? input }; }
    case 'info': { const [file] = positionals(rest, 1, command); return { kind: 'info', file }; }
    case 'build-id': { const [file] = positionals(rest, 1, command); return { kind: 'build-id', file }; }
    case 'make': {
      const { opts, positionals: pos } = splitOptions(rest, { '-b': 'buildId', '--buildid': 'buildId', '-i': 'patchId', '--id': 'patchId', '-o': 'output', '--output': 'output' });
      if (pos.length !== 1) throw usage(`make takes one input file, got ${pos.length}`);
      return { kind: 'make', buildId: required(opts, 'buildId', '-b BUILDID', command), patchId: required(opts, 'patchId', '-i ID', command), output: opts.get('output'), input: pos[0] };
    }
    case 'build': {
      const { opts, positionals: pos } = splitOptions(rest, { '-b': 'buildId', '--buildid': 'buildId', '-i': 'patchId', '--id': 'patchId', '-o': 'output', '--output': 'output', '-w': 'workDir', '--workdir': 'workDir' });
      if (pos.length !== 2) throw usage(`build takes ORIG and PATCHED, got ${pos.length} files`);
      return { kind: 'build', patchId: required(opts, 'patchId', '-i ID', command), buildId: opts.get('buildId'), output: opts.get('output'), workDir: opts.get('workDir'), orig: pos[0], patched: pos[1] };
    }
    case 'keygen': {
      const { opts, positionals: pos } = splitOptions(rest, { '-o': 'output', '--output': 'output' });
      if (pos.length !== 0) throw usage(`keygen takes no file arguments, got ${pos.length}`);
      return { kind: 'keygen', output: required(opts, 'output', '-o KEY', command) };
    }
    case 'sign':
    case 'verify': {
      const { opts, positionals: pos } = splitOptions(rest, command === 'sign'
        ? { '-k': 'key', '--key': 'key', '-o': 'output', '--output': 'output' } : { '-k': 'key', '--key': 'key' });
      if (pos.length !== 1) throw usage(`${command} takes one .kpatch file, got ${pos.length}`);
      const key = required(opts, 'key', '-k KEY', command);
      return command === 'sign' ? { kind: 'sign', key, output: opts.get('output'), file: pos[0] } : { kind: 'verify', key, file: pos[0] };
    }
    default:
      throw usage(`unknown command ${first}`);
  }
}
