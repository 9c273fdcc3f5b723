/**
 * Every case folder, built both ways, patched into a real running process with
 * tscare-ctl and unpatched again. Each step asserts that the new behaviour is there,
 * that the old one is gone, and that the process is alive.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverCases } from '../support/cases.js';
import { buildPatch, BuiltPatch, FlowName } from '../support/flows.js';
import { tool } from '../support/paths.js';
import { runOk } from '../support/run.js';
import { TargetProcess } from '../support/target-process.js';

const flows: FlowName[] = ['patch-make', 'manual'];

describe.each(discoverCases())('case $name', (c) => {
  describe.each(flows)('built with %s', (flow) => {
    let workDir: string;
    let built: BuiltPatch;
    let target: TargetProcess | undefined;

    beforeAll(() => {
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), `tscare-e2e-${c.name}-${flow}-`));
      built = buildPatch(flow, c, workDir);
    });

    afterAll(() => {
      target?.kill();
      fs.rmSync(workDir, { recursive: true, force: true });
    });

    it(`patches and unpatches a running process: ${c.desc}`, async () => {
      target = TargetProcess.start(built.binary, c.args, workDir);
      const pid = String(target.pid);
      const window = 3 * Math.max(c.before.length, c.after.length);
      expect(await target.distinctLinesAfter(0, window)).toEqual(c.before);

      const patch = runOk(tool('tscare-ctl'), ['patch', '-p', pid, built.kpatch]);
      expect(patch.stdout).toContain(`1 patch hunk(s) have been successfully applied to PID '${pid}'`);
      expect(patch.stdout).toMatch(new RegExp(`PID '${pid}' process patch frozen_time is \\d+ microsecond`));
      let from = target.lines().length;
      const patchedLines = await target.distinctLinesAfter(from, window);
      expect(patchedLines).toEqual(c.after);
      for (const old of c.before.filter((l) => !c.after.includes(l))) expect(patchedLines).not.toContain(old);
      expect(target.isAlive()).toBe(true);

      const info = runOk(tool('tscare-ctl'), ['info', '-p', pid]).stdout;
      expect(info).toContain(`${'Pid:'.padEnd(25)} ${pid}\n`);
      expect(info).toContain(`${'Target:'.padEnd(25)} ${path.basename(built.binary)}\n`);
      expect(info).toContain(`${'Build id:'.padEnd(25)} ${built.buildId}\n`);
      expect(info).toContain(`${'Applied patch number:'.padEnd(25)} 1\n`);
      expect(info).toContain(`${'Patch id:'.padEnd(25)} 0001\n`);

      const unpatch = runOk(tool('tscare-ctl'), ['unpatch', '-p', pid, '-i', '0001']);
      expect(unpatch.stdout).toContain(`1 patch hunk(s) were successfully cancelled from PID '${pid}'`);
      from = target.lines().length;
      const restoredLines = await target.distinctLinesAfter(from, window);
      expect(restoredLines).toEqual(c.before);
      for (const gone of c.after.filter((l) => !c.before.includes(l))) expect(restoredLines).not.toContain(gone);
      expect(target.isAlive()).toBe(true);
      expect(runOk(tool('tscare-ctl'), ['info', '-p', pid]).stdout).not.toContain('Patch id:');
    });
  });
});
