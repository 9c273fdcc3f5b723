/**
 * Test-only fault injection: with TSCARE_TEST_FAULT=STEP in the environment, tscare-ctl
 * kills itself with SIGKILL when it reaches STEP, exactly as an operator's `kill -9` or the
 * OOM killer would, so the tests can prove the target is never left half patched.
 * This is the only place the variable is read. Unset (always, outside tests), it costs one
 * comparison per step.
 */

/** The named steps, in the order a patch or an unpatch reaches them. */
export const FAULT_STEPS = [
  // patch
  'patch:attached', 'patch:code-written', 'patch:staged', 'patch:frozen', 'patch:pending',
  'patch:between-jumps', 'patch:jumps-written', 'patch:committed',
  // unpatch
  'unpatch:frozen', 'unpatch:pending', 'unpatch:between-jumps', 'unpatch:reverted', 'unpatch:thawed',
] as const;

/** exec's own steps (its patch then goes through the patch steps above); tested in exec.test.ts. */
export const EXEC_FAULT_STEPS = ['exec:at-entry'] as const;

export type FaultStep = (typeof FAULT_STEPS)[number] | (typeof EXEC_FAULT_STEPS)[number];

/** Read once: process.env is a slow native lookup, and some steps are inside the freeze. */
const FAULT_STEP = process.env.TSCARE_TEST_FAULT;
let rehearsing = false;

export function faultPoint(step: FaultStep): void {
  if (FAULT_STEP === step && !rehearsing) process.kill(process.pid, 'SIGKILL');
}

/**
 * Runs fn with every fault point passed silently: the freeze's code is rehearsed once before
 * the freeze (see safe-freeze.ts), and a rehearsal must not stand in for the real step.
 */
export function rehearsal<T>(fn: () => T): T {
  rehearsing = true;
  try {
    return fn();
  } finally {
    rehearsing = false;
  }
}
