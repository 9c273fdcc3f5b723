/**
 * Where tscare-cc and tscare-c++ are. They are found by path next to this package
 * (in the monorepo and under node_modules/@tscare alike), never imported: the CLIs
 * meet only through files and the environment.
 */
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TscareError } from '@tscare/errors';

export interface CompilerWrappers {
  cc: string;
  cxx: string;
}

export function findCompilerWrappers(): CompilerWrappers {
  return {
    // bin/'s shims, not dist/cli.js: they start Node without NODE_EXTRA_CA_CERTS and run
    // the one-file bundle (~70 ms less per compile here).
    cc: executable(fileURLToPath(new URL('../../bin/tscare-cc', import.meta.url))),
    cxx: executable(fileURLToPath(new URL('../../bin/tscare-c++', import.meta.url))),
  };
}

function executable(path: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new TscareError('PATCHMAKE_NO_WRAPPER', `the compiler wrapper ${path} is missing or not executable`, {
      hint: 'build tscare first (npm run build, which also sets the x bit of the CLIs)',
    });
  }
  return path;
}
