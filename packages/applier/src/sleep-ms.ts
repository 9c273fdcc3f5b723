/**
 * A blocking sleep. The applier is synchronous on purpose (ptrace requests must come from the
 * thread that attached), so it waits without returning to the event loop.
 */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
