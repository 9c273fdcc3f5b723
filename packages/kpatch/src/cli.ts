#!/usr/bin/env node
/**
 * tscare-kpatch: the build-side tools of a .kpatch file (LibcarePlus's kpatch_strip and
 * kpatch_make, plus the whole chain and a verifying dump).
 *
 * Exit codes: 0 ok; 1 refused or bad input (a TscareError); 2 `build` found nothing to
 * patch (the patched binary has no .kpatch sections); 64 usage error; 70 internal error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { formatError, isTscareError, TscareError } from '@tscare/errors';
import { ElfFile, readElfFile } from '@tscare/elf';
import { parseArgs, USAGE, type KpatchCommand } from './args.js';
import { buildKpatch } from './build.js';
import { formatInfo } from './format-info.js';
import { makeKpatch } from './make.js';
import { parseKpatch, readKpatchFile, type KpatchFile } from './reader.js';
import { relFixup } from './rel-fixup.js';
import { keygen, signFile, verifyFile } from './signing-commands.js';
import { stripToPatch } from './strip.js';
import { stripUnneeded } from './strip-unneeded.js';
import { undoLink } from './undo-link.js';

const TOOL = 'tscare-kpatch';
const EXIT_OK = 0;
const EXIT_REFUSED = 1;
const EXIT_NO_PATCH = 2;
const EXIT_USAGE = 64;
const EXIT_INTERNAL = 70;

function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TscareError('KPATCH_READ', `${path}: cannot read: ${(e as Error).message}`, { hint: 'check the path', cause: e });
  }
}

function writeOutput(path: string, data: Buffer): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new TscareError('KPATCH_WRITE', `${path}: cannot write: ${(e as Error).message}`, { hint: 'check the directory and permissions', cause: e });
  }
}

async function run(cmd: KpatchCommand): Promise<number> {
  switch (cmd.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return EXIT_OK;
    case 'strip':
      writeOutput(cmd.output, stripToPatch(readElfFile(cmd.input)));
      return EXIT_OK;
    case 'rel-fixup':
      writeOutput(cmd.patch, relFixup(readElfFile(cmd.orig), readElfFile(cmd.patch)));
      return EXIT_OK;
    case 'strip-unneeded':
      writeOutput(cmd.output, stripUnneeded(readElfFile(cmd.input)));
      return EXIT_OK;
    case 'undo-link':
      writeOutput(cmd.patch, undoLink(readElfFile(cmd.orig), readElfFile(cmd.patch)));
      return EXIT_OK;
    case 'make': {
      const payload = readInput(cmd.input);
      ElfFile.parse(payload, cmd.input);
      const bytes = makeKpatch({ buildId: cmd.buildId, patchId: cmd.patchId, payload });
      // Stricter than kpatch_make: never write a file the applier would refuse.
      parseKpatch(bytes, `.kpatch made from ${cmd.input}`);
      if (cmd.output === undefined) process.stdout.write(bytes);
      else writeOutput(cmd.output, bytes);
      return EXIT_OK;
    }
    case 'build': {
      const r = await buildKpatch({ original: cmd.orig, patched: cmd.patched, patchId: cmd.patchId, buildId: cmd.buildId, workDir: cmd.workDir });
      if (r.kind === 'no-patch') {
        process.stderr.write(`${TOOL}: nothing to patch: ${r.reason}\n`);
        return EXIT_NO_PATCH;
      }
      const out = cmd.output ?? `${r.buildId}.kpatch`;
      writeOutput(out, r.bytes);
      process.stdout.write(`patch for ${cmd.orig} is in ${out} (${r.infoCount} function(s))\n`);
      return EXIT_OK;
    }
    case 'info':
      process.stdout.write(`${formatInfo(readKpatchFile(cmd.file))}\n`);
      return EXIT_OK;
    case 'build-id': {
      const buildId = readElfFile(cmd.file).buildId();
      if (buildId === undefined) {
        throw new TscareError('KPATCH_NO_BUILDID', `${cmd.file} has no GNU build id note`, { hint: 'link it with -Wl,--build-id (gcc on Debian does by default)' });
      }
      process.stdout.write(`${buildId}\n`);
      return EXIT_OK;
    }
    case 'keygen':
      process.stdout.write(`${keygen(cmd.output)}\n`);
      return EXIT_OK;
    case 'sign':
      process.stdout.write(`${signFile(cmd.key, cmd.file, cmd.output)}\n`);
      return EXIT_OK;
    case 'verify':
      process.stdout.write(`${verifyFile(cmd.key, cmd.file)}\n`);
      return EXIT_OK;
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    return await run(parseArgs(argv));
  } catch (e) {
    process.stderr.write(`${formatError(TOOL, e)}\n`);
    if (isTscareError(e)) {
      if (e.code === 'USAGE') process.stderr.write(`${USAGE}\n`);
      return e.code === 'USAGE' ? EXIT_USAGE : EXIT_REFUSED;
    }
    return EXIT_INTERNAL;
  }
}

process.exitCode = await main(process.argv.slice(2));
