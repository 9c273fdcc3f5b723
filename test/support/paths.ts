/** Where the repository and its CLIs are, for the end-to-end suite. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built CLI behind bin/NAME (run `npm run build` first; npm test does). */
export function tool(name: string): string {
  return path.join(repoRoot, 'bin', name);
}
