/**
 * The tool's own helper threads (V8's compiler and GC workers, libuv's pool), seen through
 * /proc/self/task. V8 optimizes hot functions on a helper thread and installs the result on
 * the main thread at its next function call: a compile that finishes inside the freeze costs
 * the target 1–2 ms there. So before the freeze, the tool waits for its helpers to go idle.
 */
import fs from 'node:fs';
import { sleepMs } from './sleep-ms.js';

/** True while a helper thread of this process is running or waiting for a CPU (state R). */
export function helperRunning(): boolean {
  for (const name of fs.readdirSync('/proc/self/task')) {
    if (Number(name) === process.pid) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${name}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // "TID (comm) STATE ...": comm may hold spaces and parentheses; the state follows the last ')'.
    if (stat.charAt(stat.lastIndexOf(')') + 2) === 'R') return true;
  }
  return false;
}

/** Sleeps until no helper thread runs, for at most maxMs; returns how long it waited. */
export function awaitIdleHelpers(maxMs: number): number {
  const start = Date.now();
  sleepMs(1);
  while (helperRunning() && Date.now() - start < maxMs) sleepMs(1);
  return Date.now() - start;
}
