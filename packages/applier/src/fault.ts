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

export function faultPoint(step: FaultStep): void {
  if (process.env.TSCARE_TEST_FAULT === step) process.kill(process.pid, 'SIGKILL');
}
