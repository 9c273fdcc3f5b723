/** Parsing libcare-ctl style command lines: `[-v]... CMD [options] [path]`. */
import { TscareError } from '@tscare/errors';

/** `json`: one JSON document on stdout (tscare-ctl-output.schema.json) instead of libcare-ctl's lines. */
export type Command =
  | { kind: 'patch'; pid: number | 'all'; storage: string; verbose: number; json: boolean; requireSigned?: string }
  | { kind: 'unpatch'; pid: number | 'all'; id: string; only: string[]; verbose: number; json: boolean }
  | { kind: 'info'; pid: number; verbose: number; json: boolean }
  | { kind: 'exec'; storage: string; program: string; args: string[]; verbose: number; json: boolean; requireSigned?: string }
  | { kind: 'help' };

export const USAGE = `usage: tscare-ctl [-v] [--json] <command> [args]
  patch   -p <PID|all> [--require-signed KEY.pub] <file.kpatch | storage-dir>
                                                 apply the patches for the process's objects; with
                                                 --require-signed, only patches whose .sig verifies
  unpatch -p <PID|all> -i <patch-id> [buildid|name ...]   remove an applied patch
  info    -p <PID>                               list applied patches
  exec    --storage <file.kpatch | storage-dir> [--require-signed KEY.pub] -- PROGRAM [ARGS...]
                                                 start PROGRAM, patch it before main runs, let it
                                                 run on its own; report on stderr, pid included
  (aliases: patch-user, unpatch-user, info-user)
  --json: print one JSON document (tscare-ctl-output.schema.json) instead of text`;

const ALIASES: Record<string, 'patch' | 'unpatch' | 'info'> = {
  patch: 'patch', 'patch-user': 'patch', unpatch: 'unpatch', 'unpatch-user': 'unpatch', info: 'info', 'info-user': 'info',
};

function usage(msg: string): never {
  throw new TscareError('USAGE', msg, { hint: USAGE });
}

function parsePid(text: string | undefined, allowAll: boolean): number | 'all' {
  if (text === undefined) usage('-p <PID> is required');
  if (text === 'all' && allowAll) return 'all';
  if (!/^\d+$/.test(text)) usage(`"${text}" is not a pid${text === 'all' ? ' (info takes one pid)' : ''}`);
  return Number(text);
}

/** Our own arguments: everything before `--` (after it come the program and its arguments for exec). */
function ownArgs(args: readonly string[]): readonly string[] {
  const dd = args.indexOf('--');
  return dd < 0 ? args : args.slice(0, dd);
}

export function wantsJson(args: readonly string[]): boolean {
  return ownArgs(args).includes('--json');
}

function parseExec(argv: readonly string[], program: readonly string[], verbose: number, json: boolean): Command {
  let storage: string | undefined;
  let requireSigned: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--storage') storage = argv[++i];
    else if (a === '--require-signed') requireSigned = argv[++i] ?? '';
    else if (a.startsWith('--require-signed=')) requireSigned = a.slice(a.indexOf('=') + 1);
    else if (a === '-v') verbose++;
    else usage(`unknown argument ${a} for exec (the program comes after --)`);
  }
  if (storage === undefined || storage === '') usage('exec needs --storage <file.kpatch | storage-dir>');
  if (requireSigned === '') usage('--require-signed needs a public key file (KEY.pub from tscare-kpatch keygen)');
  if (program.length === 0 || program[0] === '') usage('exec needs -- PROGRAM [ARGS...]');
  return { kind: 'exec', storage, program: program[0], args: program.slice(1), verbose, json, ...(requireSigned === undefined ? {} : { requireSigned }) };
}

export function parseArgs(args: readonly string[]): Command {
  const json = wantsJson(args);
  const own = ownArgs(args);
  const argv = own.filter((a) => a !== '--json');
  let verbose = 0;
  let i = 0;
  while (argv[i] === '-v' || /^-v+$/.test(argv[i] ?? '')) verbose += argv[i++].length - 1;
  const word = argv[i++];
  if (word === undefined || word === '-h' || word === '--help' || word === 'help') return { kind: 'help' };
  if (word === 'exec') return parseExec(argv.slice(i), own.length < args.length ? args.slice(own.length + 1) : [], verbose, json);
  const cmd = ALIASES[word];
  if (!cmd) usage(`unknown command "${word}"`);
  let pid: string | undefined;
  let id: string | undefined;
  let requireSigned: string | undefined;
  const rest: string[] = [];
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-p') pid = argv[++i];
    else if (a === '-i') id = argv[++i];
    else if (a === '-v') verbose++;
    else if (a === '--require-signed' || a.startsWith('--require-signed=')) {
      if (cmd !== 'patch') usage('--require-signed is an option of patch');
      requireSigned = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (requireSigned === undefined || requireSigned === '') usage('--require-signed needs a public key file (KEY.pub from tscare-kpatch keygen)');
    }
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else rest.push(a);
  }
  const p = parsePid(pid, cmd !== 'info');
  if (cmd === 'info') return { kind: 'info', pid: p as number, verbose, json };
  if (cmd === 'unpatch') {
    if (id === undefined || id === '') usage('unpatch needs -i <patch-id>');
    return { kind: 'unpatch', pid: p, id, only: rest, verbose, json };
  }
  const storage = rest[rest.length - 1];
  if (storage === undefined) usage('patch needs a .kpatch file or a storage directory');
  return { kind: 'patch', pid: p, storage, verbose, json, ...(requireSigned === undefined ? {} : { requireSigned }) };
}
