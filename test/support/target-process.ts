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

  static start(program: string, args: string[], workDir: string): TargetProcess {
    const outputPath = path.join(workDir, `${path.basename(program)}.${Date.now()}.out`);
    const quoted = [program, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const pid = Number(
      execFileSync('setsid', ['sh', '-c', `${quoted} > '${outputPath}' 2>&1 < /dev/null & echo $!`], {
        cwd: workDir,
        encoding: 'utf8',
      }).trim(),
    );
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`could not start ${program}`);
    return new TargetProcess(pid, outputPath);
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
