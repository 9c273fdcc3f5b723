import { childEnvironment, readWrapperEnv } from './env.js';
import { TscareError } from '@tscare/errors';

describe('readWrapperEnv', () => {
  test('defaults: no stage means pass-through, gcc / g++', () => {
    expect(readWrapperEnv({}, 'c')).toEqual({
      stage: { kind: 'pass-through', reason: 'no TSCARE_STAGE/KPATCH_STAGE set' },
      realCompiler: { program: 'gcc', env: {} },
      logFile: undefined,
    });
    expect(readWrapperEnv({}, 'c++').realCompiler.program).toBe('g++');
  });

  test('TSCARE_STAGE wins over KPATCH_STAGE; configure passes through', () => {
    expect(readWrapperEnv({ TSCARE_STAGE: 'patched', KPATCH_STAGE: 'original' }, 'c').stage).toEqual({ kind: 'build', stage: 'patched' });
    expect(readWrapperEnv({ KPATCH_STAGE: 'original' }, 'c').stage).toEqual({ kind: 'build', stage: 'original' });
    expect(readWrapperEnv({ KPATCH_STAGE: 'configure' }, 'c').stage.kind).toBe('pass-through');
  });

  test('real compilers and log file', () => {
    const env = { TSCARE_REAL_CC: 'gcc-11', TSCARE_REAL_CXX: 'clang++', TSCARE_LOG: '/tmp/x.log' };
    expect(readWrapperEnv(env, 'c').realCompiler.program).toBe('gcc-11');
    expect(readWrapperEnv(env, 'c++').realCompiler.program).toBe('clang++');
    expect(readWrapperEnv(env, 'c').logFile).toBe('/tmp/x.log');
  });

  test('an unknown stage is an error naming the variable', () => {
    expect(() => readWrapperEnv({ KPATCH_STAGE: 'constructor' }, 'c')).toThrow(TscareError);
    expect(() => readWrapperEnv({ TSCARE_STAGE: 'orig' }, 'c')).toThrow('TSCARE_STAGE=orig is not a stage');
  });
});

describe('childEnvironment: the caller\'s environment, as it was before bin/\'s shim', () => {
  test('a parked NODE_EXTRA_CA_CERTS goes back under its own name and the parking spot disappears', () => {
    const env = { PATH: '/usr/bin', TSCARE_SAVED_NODE_EXTRA_CA_CERTS: '/etc/ssl/extra.pem' };
    expect(childEnvironment(env)).toEqual({ PATH: '/usr/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/extra.pem' });
    expect(readWrapperEnv(env, 'c').realCompiler.env).toEqual({ PATH: '/usr/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/extra.pem' });
  });

  test('an empty value is a value: set-but-empty stays set-but-empty', () => {
    expect(childEnvironment({ TSCARE_SAVED_NODE_EXTRA_CA_CERTS: '' })).toEqual({ NODE_EXTRA_CA_CERTS: '' });
  });

  test('a NODE_EXTRA_CA_CERTS the process has now wins over a parked one', () => {
    expect(childEnvironment({ NODE_EXTRA_CA_CERTS: '/now.pem', TSCARE_SAVED_NODE_EXTRA_CA_CERTS: '/old.pem' })).toEqual({ NODE_EXTRA_CA_CERTS: '/now.pem' });
  });

  test('nothing parked: the environment is copied unchanged, and the input is not modified', () => {
    const env = { NODE_EXTRA_CA_CERTS: '/ca.pem', HOME: '/root' };
    const child = childEnvironment(env);
    expect(child).toEqual(env);
    expect(child).not.toBe(env);
    expect(childEnvironment({ HOME: '/root' })).toEqual({ HOME: '/root' });
  });
});
