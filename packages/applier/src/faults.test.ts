/**
 * tscare-ctl killed by SIGKILL at each named step of patch and unpatch (TSCARE_TEST_FAULT,
 * test-only). After each kill: the target runs on; its output, its maps and the bytes at
 * both replaced functions agree on its state; `info` says what is there; and the next
 * patch and unpatch work (clearing what the killed run left).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FAULT_STEPS } from './fault.js';
import { functionAddresses, observe, runCtlFault, type PairState } from './pair-probe.js';
import { buildFixture, killTarget, linesAfter, runCtl, stableMaps, startTarget, type BuiltFixture, type Target } from './test-targets.js';

/** What the killed run leaves in the target's memory (as `info` must report it). */
type Left = 'none' | 'staged' | 'pending' | 'applied';

interface Case {
  step: (typeof FAULT_STEPS)[number];
  before: 'unpatched' | 'patched';
  state: PairState;
  left: Left;
}

const CASES: Case[] = [
  { step: 'patch:attached', before: 'unpatched', state: 'unpatched', left: 'none' },
  { step: 'patch:code-written', before: 'unpatched', state: 'unpatched', left: 'staged' },
  { step: 'patch:staged', before: 'unpatched', state: 'unpatched', left: 'staged' },
  { step: 'patch:frozen', before: 'unpatched', state: 'unpatched', left: 'staged' },
  { step: 'patch:pending', before: 'unpatched', state: 'unpatched', left: 'pending' },
  // The one window where the process can run half patched: closed by the next run.
  { step: 'patch:between-jumps', before: 'unpatched', state: 'half', left: 'pending' },
  { step: 'patch:jumps-written', before: 'unpatched', state: 'patched', left: 'pending' },
  { step: 'patch:committed', before: 'unpatched', state: 'patched', left: 'applied' },
  { step: 'unpatch:frozen', before: 'patched', state: 'patched', left: 'applied' },
  { step: 'unpatch:pending', before: 'patched', state: 'patched', left: 'pending' },
  { step: 'unpatch:between-jumps', before: 'patched', state: 'half', left: 'pending' },
  // Once the jumps are gone the patch is retired (kept mapped, listed nowhere): nothing is left to do.
  { step: 'unpatch:reverted', before: 'patched', state: 'unpatched', left: 'none' },
  { step: 'unpatch:thawed', before: 'patched', state: 'unpatched', left: 'none' },
];

let dir: string;
let pair: BuiltFixture;
let target: Target | undefined;
let addrs: number[];
let baseline: string;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-faults-'));
  pair = buildFixture(dir, 'pair', 'pair.s', 'pair-patched.s', '0001');
  target = startTarget(pair.exe, ['10'], path.join(dir, 'pair.out'));
  await linesAfter(target.out, 0, 1);
  addrs = functionAddresses(pair.exe, target.pid);
  baseline = stableMaps(target.pid);
});

afterAll(() => {
  killTarget(target);
  fs.rmSync(dir, { recursive: true, force: true });
});

const pid = (): string => String(target!.pid);

/** The state seen three ways must agree: output, jumps at both entries, patch mappings in maps. */
async function expectState(state: PairState, mapped: number): Promise<void> {
  const seen = await observe(target!, addrs);
  expect(seen.printed).toBe(state);
  const jumps = seen.jumps.filter(Boolean).length;
  expect(jumps).toBe(state === 'unpatched' ? 0 : state === 'patched' ? 2 : 1);
  expect(seen.anonExec).toBe(mapped);
  // Half: the function that jumps is the one that prints "new".
  if (state === 'half') expect(seen.line).toBe(`first=${seen.jumps[0] ? 'new' : 'old'} second=${seen.jumps[1] ? 'new' : 'old'}`);
}

function expectInfo(left: Left): void {
  const r = runCtl(['info', '-p', pid()]);
  expect(r.code).toBe(0);
  expect(r.stdout.includes(`${'Patch id:'.padEnd(25)} 0001`)).toBe(left === 'applied');
  if (left === 'staged') expect(r.stderr).toContain(`patch 0001 (${pair.buildId}) at 0x`);
  if (left === 'staged') expect(r.stderr).toContain(`in pid ${pid()} was staged by a tscare-ctl that did not finish (no function jumps to it; it is not applied)`);
  if (left === 'pending') expect(r.stderr).toContain(`in pid ${pid()} was interrupted while its jumps were written or removed`);
  if (left === 'none' || left === 'applied') expect(r.stderr).toBe('');
}

describe('tscare-ctl killed at each step never leaves the target broken', () => {
  test('every fault step is covered by a case', () => {
    expect(CASES.map((c) => c.step)).toEqual([...FAULT_STEPS]);
  });

  test.each(CASES)('SIGKILL at $step: $state, $left; then patch and unpatch work', async (c) => {
    if (c.before === 'patched') expect(runCtl(['patch', '-p', pid(), pair.kpatch]).code).toBe(0);
    const args = c.step.startsWith('patch') ? ['patch', '-p', pid(), pair.kpatch] : ['unpatch', '-p', pid(), '-i', '0001'];
    const killed = runCtlFault(c.step, args);
    expect(killed.signal).toBe('SIGKILL');

    // The target runs on, in a whole state (or, between two jumps, the half state the next run clears).
    const mapped = c.left === 'none' || (c.step === 'patch:code-written') ? 0 : 1;
    await expectState(c.state, mapped);
    expectInfo(c.left);

    const cleared = `was left ${c.left} by an interrupted tscare-ctl: ${c.left === 'pending' ? 'rolled back' : 'unmapped'}`;
    if (c.step.startsWith('unpatch') && c.left === 'pending') {
      // The unpatch the killed run was doing: the next unpatch finishes it.
      const u = runCtl(['unpatch', '-p', pid(), '-i', '0001']);
      expect(u.stderr).toContain(cleared);
      expect(u.code).toBe(0);
      await expectState('unpatched', 0);
    }
    if (c.left !== 'applied') {
      const r = runCtl(['patch', '-p', pid(), pair.kpatch]);
      expect(r.code).toBe(0);
      if (c.left === 'none' || c.step.startsWith('unpatch')) expect(r.stderr).toBe('');
      else expect(r.stderr).toContain(`tscare-ctl: warning: patch 0001 at 0x`);
      if (c.left !== 'none' && c.step.startsWith('patch')) expect(r.stderr).toContain(cleared);
    }
    await expectState('patched', 1);
    expectInfo('applied');

    const u = runCtl(['unpatch', '-p', pid(), '-i', '0001']);
    expect(u.stderr).toBe('');
    expect(u.code).toBe(0);
    await expectState('unpatched', 0);
    expectInfo('none');
    expect(stableMaps(target!.pid)).toBe(baseline);
  });
});
