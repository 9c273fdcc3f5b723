/** Shared entry of the two front ends; the only place that prints errors and sets the exit code. */
import { formatError } from '@tscare/errors';
import { readWrapperEnv, type Flavor } from './env.js';
import { runWrapper } from './wrapper.js';

export async function main(flavor: Flavor, tool: string): Promise<void> {
  try {
    const warn = (message: string) => process.stderr.write(`${tool}: warning: ${message}\n`);
    process.exitCode = await runWrapper(process.argv.slice(2), readWrapperEnv(process.env, flavor), warn);
  } catch (e) {
    process.stderr.write(`${formatError(tool, e)}\n`);
    process.exitCode = 1;
  }
}
