#!/usr/bin/env node
/**
 * tscare-gensrc: merge an original and a patched gcc assembly file into one that keeps the
 * original code and adds `.kpatch.*` sections (see generateMergedAssembly).
 *
 *   tscare-gensrc -i ORIG.s -i PATCHED.s -o OUT.s [--report] [--json]
 *   tscare-gensrc --dbg-filter -i IN.s -o OUT.s          ('-' = stdin/stdout)
 *
 * Exit codes:
 *   0  output written (merged, or the original unchanged when nothing changed)
 *   1  refused: the change cannot be hot-patched safely (DIFF_* errors)
 *   2  bad input: assembly syntax error (GAS_SYNTAX), unreadable or unwritable file
 *   64 usage error
 *   70 internal error (a bug: please report it with both inputs)
 */
import { readFileSync } from 'node:fs';
import { runCli } from './run-cli.js';

process.exitCode = runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdin: () => readFileSync(0, 'utf8'),
});
