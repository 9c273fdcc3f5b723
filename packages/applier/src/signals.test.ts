/**
 * A target that takes a timer signal every millisecond: signals that arrive while it is
 * frozen (or while it runs our injected syscalls) are given back, and nothing is lost or broken.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFixture, killTarget, linesAfter, outputSize, runCtl, startTarget, type Target } from './test-targets.js';

let dir: string;
let target: Target | undefined;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-ctl-sig-'));
});

afterAll(() => {
  killTarget(target);
  fs.rmSync(dir, { recursive: true, force: true });
});

function ticks(lines: string[], prefix: string): number[] {
  return lines.map((l) => {
    const m = new RegExp(`^${prefix}(\\d+)$`).exec(l);
    if (!m) throw new Error(`unexpected line ${JSON.stringify(l)} (wanted "${prefix}N")`);
    return Number(m[1]);
  });
}

test('patch and unpatch three times under a 1 kHz timer signal', async () => {
  const fx = buildFixture(dir, 'signals', 'ticker.s', 'ticker-patched.s', '0005');
  target = startTarget(fx.exe, ['10'], path.join(dir, 'ticker.out'));
  await linesAfter(target.out, 0, 3);
  const pid = String(target.pid);
  let last = 0;
  for (let round = 0; round < 3; round++) {
    expect(runCtl(['patch', '-p', pid, fx.kpatch])).toMatchObject({ code: 0, stderr: '' });
    const patched = ticks(await linesAfter(target.out, outputSize(target.out), 3), 'patched ticks ');
    expect(runCtl(['unpatch', '-p', pid, '-i', '0005'])).toMatchObject({ code: 0, stderr: '' });
    const back = ticks(await linesAfter(target.out, outputSize(target.out), 3), 'ticks ');
    // The handler keeps counting: every report sees more ticks than the one before.
    for (const n of [...patched, ...back]) {
      expect(n).toBeGreaterThan(last);
      last = n;
    }
  }
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  expect(status).toMatch(/State:\s+[RS]/); // not stopped, not a zombie
  expect(status).toMatch(/TracerPid:\s+0\n/); // and nobody left attached
});
