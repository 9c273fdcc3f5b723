/**
 * A real program running in the background for the end-to-end tests, started through
 * `setsid sh` so that it is NOT a child of the jest worker: libuv would otherwise reap
 * its ptrace stop events (see platform-notes.md). Its stdout goes to a file we read.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class TargetProcess {
  private constructor(readonly pid: number, readonly outputPath: string) {}

  static start(program: string, args: string[], workDir: string, env: Record<string, string> = {}): TargetProcess {
    const outputPath = path.join(workDir, `${path.basename(program)}.${Date.now()}.out`);
    const pid = Number(spawnDetached([program, ...args], workDir, env, outputPath, '&1'));
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`could not start ${program}`);
    return new TargetProcess(pid, outputPath);
  }

  /**
   * Starts `tscare-ctl exec --storage STORAGE -- PROGRAM ARGS`: the program's stdout goes to
   * the output file, tscare-ctl's report (and the program's stderr) to a report file, from
   * which the program's pid is read once tscare-ctl has exited.
   */
  static async startPatched(ctl: string, storage: string, program: string, args: string[], workDir: string): Promise<{ target: TargetProcess; report: string }> {
    const outputPath = path.join(workDir, `${path.basename(program)}.${Date.now()}.out`);
    const reportPath = `${outputPath}.report`;
    const ctlPid = Number(spawnDetached([ctl, 'exec', '--storage', storage, '--', program, ...args], workDir, {}, outputPath, reportPath));
    const deadline = Date.now() + 20000;
    while (fs.existsSync(`/proc/${ctlPid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const report = fs.existsSync(reportPath) ? fs.readFileSync(reportPath, 'utf8') : '';
    const pid = Number(/PID '(\d+)'/.exec(report)?.[1]);
    if (!pid) throw new Error(`tscare-ctl exec reported no pid:\n${report}`);
    return { target: new TargetProcess(pid, outputPath), report };
  }

  /** All lines printed so far. */
  lines(): string[] {
    const text = fs.existsSync(this.outputPath) ? fs.readFileSync(this.outputPath, 'utf8') : '';
    return text.split('\n').filter((l) => l.length > 0);
  }

  /** Alive and not a zombie. */
  isAlive(): boolean {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  }

  maps(): string {
    return fs.readFileSync(`/proc/${this.pid}/maps`, 'utf8');
  }

  /**
   * Waits until `count` new lines have been printed after line index `from`, and returns
   * them. Fails with the output so far if it does not happen in time.
   */
  async linesAfter(from: number, count: number, timeoutMs = 10000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = this.lines();
      if (all.length >= from + count) return all.slice(from, from + count);
      if (!this.isAlive()) throw new Error(`pid ${this.pid} died; output:\n${all.join('\n')}`);
      if (Date.now() > deadline) {
        throw new Error(`pid ${this.pid}: waited ${timeoutMs} ms for ${count} lines after ${from}; output:\n${all.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Waits for `count` lines printed after line index `from` and returns the distinct ones,
   * sorted: what the program says now, whatever order its threads print in.
   */
  async distinctLinesAfter(from: number, count: number, timeoutMs = 10000): Promise<string[]> {
    return [...new Set(await this.linesAfter(from, count, timeoutMs))].sort();
  }

  kill(): void {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Starts a command through `setsid sh`, stdout to `outputPath`, stderr to `stderrTo` ('&1' for
 * the same file); returns the pid the shell printed.
 */
function spawnDetached(argv: string[], workDir: string, env: Record<string, string>, outputPath: string, stderrTo: string): string {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const err = stderrTo === '&1' ? '2>&1' : `2> ${quote(stderrTo)}`;
  // The program's own environment (LD_PRELOAD...) is set by env(1) for it alone, not for the shell.
  const assignments = Object.entries(env).map(([k, v]) => quote(`${k}=${v}`));
  const command = [...(assignments.length ? ['env', ...assignments] : []), ...argv.map(quote)].join(' ');
  return execFileSync('setsid', ['sh', '-c', `${command} > ${quote(outputPath)} ${err} < /dev/null & echo $!`], {
    cwd: workDir,
    encoding: 'utf8',
  }).trim();
}
