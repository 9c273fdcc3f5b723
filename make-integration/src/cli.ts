#!/usr/bin/env node
/**
 * tscare-patch-make: LibcarePlus's libcare-patch-make for tscare. Exit codes: 0 done
 * (also "no changes"), 1 failure, 64 usage, 78 bad tscare.toml, 130/143 interrupted (sources restored).
 */
import { formatError, isTscareError, restoreParkedEnvironment } from '@tscare/errors';
import { constants } from 'node:os';
import { USAGE, parseCommandLine, resolveOptions } from './args.js';
import { findConfig } from './config.js';
import { readPatchMakeEnv } from './env.js';
import { findCompilerWrappers } from './find-wrapper.js';
import { patchMake, type PatchMakeResult } from './patch-make.js';
import { formatTable } from './run-table.js';
import { progressView } from './progress-view.js';

const TOOL = 'tscare-patch-make';

function say(line: string): void {
  process.stderr.write(`${TOOL}: ${line}\n`);
}

/**
 * LibcarePlus's `patch for ... is in ...` lines on stdout (scripts parse them); on stderr a
 * line per binary (not in quiet mode, except failures) and the table.
 */
function printResult(result: PatchMakeResult, quiet: boolean): number {
  for (const o of result.outcomes) {
    if (o.kind === 'built') {
      if (!quiet) say(`${o.original}: ${o.infoCount} function(s) in the patch`);
      process.stdout.write(`patch for ${o.original} is in ${o.file}\n`);
    }
    else if (o.kind === 'failed') say(`cannot build a patch for ${o.original}: ${formatError(TOOL, o.error)}`);
    else if (quiet) continue;
    else if (o.kind === 'unchanged') say(`no change in ${o.original}`);
    else say(`skipped ${o.original}: ${o.reason}`);
  }
  if (result.rows.length > 0) process.stderr.write(`${formatTable(result.rows)}\n`);
  if (result.kind === 'no-changes' && !quiet) say('no changes: the patched build has no changed function in any installed binary');
  return result.outcomes.some((o) => o.kind === 'failed') ? 1 : 0;
}

async function main(): Promise<number> {
  // make, the user's build and its scripts get the user's NODE_EXTRA_CA_CERTS back (see bin/).
  restoreParkedEnvironment();
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled !== undefined) return; // one stop is enough; the restore is on its way
    signalled = sig;
    say(`${sig}: stopping make and restoring the sources`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const command = parseCommandLine(process.argv.slice(2));
    if (command.kind === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const cwd = process.cwd();
    const options = resolveOptions(command.given, findConfig(command.given.config, cwd));
    const view = progressView(process.stderr, TOOL, options.quiet ? 'quiet' : process.stderr.isTTY ? 'tty' : 'lines');
    const ctx = { cwd, env: readPatchMakeEnv(process.env, cwd), wrappers: findCompilerWrappers(), signal: controller.signal, ...view };
    return printResult(await patchMake(options, ctx), options.quiet);
  } catch (e) {
    process.stderr.write(`${formatError(TOOL, e)}\n`);
    if (signalled !== undefined) return 128 + (constants.signals[signalled] ?? 0);
    if (isTscareError(e) && e.code === 'PATCHMAKE_USAGE') return 64;
    // sysexits' EX_CONFIG: tscare.toml is missing, unreadable or invalid.
    return isTscareError(e) && e.code.startsWith('CONFIG_') ? 78 : 1;
  }
}

process.exitCode = await main();
