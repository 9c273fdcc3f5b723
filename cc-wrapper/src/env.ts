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

/** The program the wrapper runs for every real compile, assemble or link, and its environment. */
export interface RealCompiler {
  program: string;
  /** The caller's environment as it was before bin/'s shim (see childEnvironment). */
  env: Readonly<Record<string, string>>;
}

export interface WrapperEnv {
  stage: StageSetting;
  realCompiler: RealCompiler;
  /** File that gets one line per call (decision and reason), when set. */
  logFile: string | undefined;
}

const STAGE_VALUES: ReadonlyMap<string, StageSetting> = new Map<string, StageSetting>([
  ['original', { kind: 'build', stage: 'original' }],
  ['patched', { kind: 'build', stage: 'patched' }],
  ['configure', { kind: 'pass-through', reason: 'stage is configure' }],
]);

export function readWrapperEnv(env: NodeJS.ProcessEnv, flavor: Flavor): WrapperEnv {
  const program = flavor === 'c++' ? nonEmpty(env.TSCARE_REAL_CXX) ?? 'g++' : nonEmpty(env.TSCARE_REAL_CC) ?? 'gcc';
  return {
    stage: readStage(env),
    realCompiler: { program, env: childEnvironment(env) },
    logFile: nonEmpty(env.TSCARE_LOG),
  };
}

/** Where bin/'s shims keep the caller's NODE_EXTRA_CA_CERTS while Node starts without it. */
export const SAVED_CA_VARIABLE = 'TSCARE_SAVED_NODE_EXTRA_CA_CERTS';

/**
 * The environment children get: the caller's own. bin/tscare-cc starts Node without
 * NODE_EXTRA_CA_CERTS (loading the CA file costs ~40 ms per call and the wrapper makes
 * no TLS connection) and parks its value in TSCARE_SAVED_NODE_EXTRA_CA_CERTS; gcc and
 * anything it starts must see the variable as the user set it, and not our parking spot.
 * A value present in the environment wins over a parked one: it is what the caller has now.
 */
export function childEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const child: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) child[name] = value;
  const saved = child[SAVED_CA_VARIABLE];
  if (saved !== undefined) {
    child.NODE_EXTRA_CA_CERTS ??= saved;
    delete child[SAVED_CA_VARIABLE];
  }
  return child;
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
