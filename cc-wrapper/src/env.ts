/**
 * The one place where tscare-cc reads its environment. Everything else receives a
 * WrapperEnv, so the stages can be tested with a plain object.
 */
import { TscareError } from '@tscare/errors';

export type Stage = 'original' | 'patched';

/** Which front end was called: decides the real compiler's variable and default. */
export type Flavor = 'c' | 'c++';

export type StageSetting =
  | { kind: 'build'; stage: Stage }
  /** `configure` or no stage at all: the wrapper must behave exactly like the real compiler. */
  | { kind: 'pass-through'; reason: string };

export interface WrapperEnv {
  stage: StageSetting;
  realCompiler: string;
  /** File that gets one line per call (decision and reason), when set. */
  logFile: string | undefined;
}

const STAGE_VALUES: ReadonlyMap<string, StageSetting> = new Map<string, StageSetting>([
  ['original', { kind: 'build', stage: 'original' }],
  ['patched', { kind: 'build', stage: 'patched' }],
  ['configure', { kind: 'pass-through', reason: 'stage is configure' }],
]);

export function readWrapperEnv(env: NodeJS.ProcessEnv, flavor: Flavor): WrapperEnv {
  return {
    stage: readStage(env),
    realCompiler: flavor === 'c++' ? nonEmpty(env.TSCARE_REAL_CXX) ?? 'g++' : nonEmpty(env.TSCARE_REAL_CC) ?? 'gcc',
    logFile: nonEmpty(env.TSCARE_LOG),
  };
}

function readStage(env: NodeJS.ProcessEnv): StageSetting {
  // TSCARE_STAGE wins; KPATCH_STAGE is LibcarePlus's name for the same thing.
  const name = nonEmpty(env.TSCARE_STAGE) !== undefined ? 'TSCARE_STAGE' : 'KPATCH_STAGE';
  const value = nonEmpty(env[name]);
  if (value === undefined) return { kind: 'pass-through', reason: 'no TSCARE_STAGE/KPATCH_STAGE set' };
  const setting = STAGE_VALUES.get(value);
  if (setting === undefined) {
    throw new TscareError('CC_BAD_STAGE', `${name}=${value} is not a stage`, {
      hint: 'use original, patched or configure (or unset it to run the real compiler unchanged)',
    });
  }
  return setting;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
