import { readWrapperEnv } from './env.js';
import { TscareError } from '@tscare/errors';

describe('readWrapperEnv', () => {
  test('defaults: no stage means pass-through, gcc / g++', () => {
    expect(readWrapperEnv({}, 'c')).toEqual({
      stage: { kind: 'pass-through', reason: 'no TSCARE_STAGE/KPATCH_STAGE set' },
      realCompiler: 'gcc',
      logFile: undefined,
    });
    expect(readWrapperEnv({}, 'c++').realCompiler).toBe('g++');
  });

  test('TSCARE_STAGE wins over KPATCH_STAGE; configure passes through', () => {
    expect(readWrapperEnv({ TSCARE_STAGE: 'patched', KPATCH_STAGE: 'original' }, 'c').stage).toEqual({ kind: 'build', stage: 'patched' });
    expect(readWrapperEnv({ KPATCH_STAGE: 'original' }, 'c').stage).toEqual({ kind: 'build', stage: 'original' });
    expect(readWrapperEnv({ KPATCH_STAGE: 'configure' }, 'c').stage.kind).toBe('pass-through');
  });

  test('real compilers and log file', () => {
    const env = { TSCARE_REAL_CC: 'gcc-11', TSCARE_REAL_CXX: 'clang++', TSCARE_LOG: '/tmp/x.log' };
    expect(readWrapperEnv(env, 'c').realCompiler).toBe('gcc-11');
    expect(readWrapperEnv(env, 'c++').realCompiler).toBe('clang++');
    expect(readWrapperEnv(env, 'c').logFile).toBe('/tmp/x.log');
  });

  test('an unknown stage is an error naming the variable', () => {
    expect(() => readWrapperEnv({ KPATCH_STAGE: 'constructor' }, 'c')).toThrow(TscareError);
    expect(() => readWrapperEnv({ TSCARE_STAGE: 'orig' }, 'c')).toThrow('TSCARE_STAGE=orig is not a stage');
  });
});
