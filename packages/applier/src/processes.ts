/** The processes `-p all` means: every /proc/<n> except 1, ourselves and kernel threads. */
import fs from 'node:fs';

function isUserProcess(pid: number): boolean {
  try {
    fs.readlinkSync(`/proc/${pid}/exe`); // fails for kernel threads and zombies
    return true;
  } catch {
    return false;
  }
}

export function listProcesses(): number[] {
  return fs.readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => pid !== 1 && pid !== process.pid && isUserProcess(pid))
    .sort((a, b) => a - b);
}
