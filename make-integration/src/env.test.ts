import { readPatchMakeEnv } from './env.js';

describe('readPatchMakeEnv', () => {
  test('LibcarePlus default directories under the project', () => {
    const env = readPatchMakeEnv({ PATH: '/bin' }, '/p');
    expect(env.dirs).toEqual({ original: '/p/lpmake', patched: '/p/.lpmaketmp/patched', patchroot: '/p/patchroot', tmp: '/p/.lpmaketmp' });
    expect(env.ccLog).toBe('/p/.lpmaketmp/cc.log');
  });

  test('LPMAKE_* override them (relative to the project), TSCARE_LOG is kept', () => {
    const env = readPatchMakeEnv({ LPMAKE_ORIGINAL_DIR: 'o', LPMAKE_PATCHED_DIR: '/abs/p', LPMAKE_PATCHROOT: 'r', TSCARE_LOG: '/l' }, '/p');
    expect(env.dirs).toMatchObject({ original: '/p/o', patched: '/abs/p', patchroot: '/p/r' });
    expect(env.ccLog).toBe('/l');
  });

  test('a parent make\'s variables and any stage are not passed to make', () => {
    const env = readPatchMakeEnv({ PATH: '/bin', MAKEFLAGS: 'j4', MAKELEVEL: '1', MFLAGS: '-j4', KPATCH_STAGE: 'x', TSCARE_STAGE: 'y', CFLAGS: '-O1' }, '/p');
    expect(env.makeEnv).toEqual({ PATH: '/bin', CFLAGS: '-O1' });
  });
});
