/**
 * Every case folder (test/cases/NAME, format in test/cases/README.md), built both ways and
 * run as a real process that tscare-ctl patches and unpatches step by step. Each step checks
 * that the new behaviour is there, that the old one is gone and that the process is alive;
 * `fail-` cases check the exact refusal and that the process runs on unpatched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverCases } from '../support/cases.js';
import { runStep, setArgument, StepContext } from '../support/case-steps.js';
import { buildCase, BuiltCase, FlowName } from '../support/flows.js';
import { tool } from '../support/paths.js';
import { TargetProcess } from '../support/target-process.js';

const flows: FlowName[] = ['patch-make', 'manual'];

/** `$BIN` in a case's environment is the folder of the program as built by this flow. */
function environment(env: Record<string, string>, binary: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('$BIN', path.dirname(binary))]));
}

describe.each(discoverCases())('case $name', (c) => {
  describe.each(flows)('built with %s', (flow) => {
    let workDir: string;
    let built: BuiltCase;
    let target: TargetProcess | undefined;

    beforeAll(() => {
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), `tscare-e2e-${c.name}-${flow}-`));
      built = buildCase(flow, c, workDir);
    });

    afterAll(() => {
      target?.kill();
      fs.rmSync(workDir, { recursive: true, force: true });
    });

    it(`runs its steps on a live process: ${c.desc}`, async () => {
      let first: string[];
      if (c.start.kind === 'exec') {
        const set = built.sets.get(c.start.id);
        if (!set) throw new Error(`${c.name}: exec names patch ${c.start.id}, which case.json does not build`);
        const started = await TargetProcess.startPatched(tool('tscare-ctl'), setArgument(set), built.binary, c.args, workDir);
        target = started.target;
        expect(started.report).toContain(`patch hunk(s) have been successfully applied to PID '${target.pid}'`);
        // Patched before main: not one line of the old behaviour was ever printed.
        first = await target.distinctLinesAfter(0, 3 * c.lines.after.length);
        expect({ first }).toEqual({ first: c.lines.after });
        for (const old of c.lines.before.filter((l) => !c.lines.after.includes(l))) expect(target.lines()).not.toContain(old);
      } else {
        target = TargetProcess.start(built.binary, c.args, workDir, environment(c.env, built.binary));
        first = await target.distinctLinesAfter(0, 3 * c.lines.before.length);
        expect({ first }).toEqual({ first: c.lines.before });
      }
      const ctx: StepContext = { c, built, target, workDir, current: first };
      for (const step of c.steps) await runStep(ctx, step);
      expect(target.isAlive()).toBe(true);
    });
  });
});
