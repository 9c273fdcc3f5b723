/** Shared entry of the two front ends; the only place that prints errors and sets the exit code. */
import { readFileSync, readlinkSync } from 'node:fs';
import { formatError } from '@tscare/errors';
import { readWrapperEnv, type Flavor } from './env.js';
import { runWrapper, type CallSite } from './wrapper.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parentExe(): string | undefined {
  try {
    return readlinkSync(`/proc/${process.ppid}/exe`);
  } catch {
    return undefined;
  }
}

export async function main(flavor: Flavor, tool: string): Promise<void> {
  try {
    const site: CallSite = {
      warn: (message) => process.stderr.write(`${tool}: warning: ${message}\n`),
      readText,
      parentExe: parentExe(),
    };
    process.exitCode = await runWrapper(process.argv.slice(2), readWrapperEnv(process.env, flavor), site);
  } catch (e) {
    process.stderr.write(`${formatError(tool, e)}\n`);
    process.exitCode = 1;
  }
}
