/**
 * examples/server under load: a multi-threaded HTTP server answering a keep-alive load
 * client on loopback (a worker thread, so it keeps going while tscare-ctl runs
 * synchronously here) while the test applies and removes the patch 100 times.
 * Asserted: no failed request, every body is the old or the new text, and a request
 * started after a patch (unpatch) returned gets the new (old) text. Latencies and the
 * frozen times tscare-ctl printed are measured and printed.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { readelfBuildId } from '../support/flows.js';
import { repoRoot, tool } from '../support/paths.js';
import { runOk } from '../support/run.js';
import { TargetProcess } from '../support/target-process.js';

const serverDir = path.join(repoRoot, 'examples', 'server');
const OLD = 'hello v1\n';
const NEW = 'hello v2\n';
const CYCLES = 100;
/** Fresh connections the test opens itself after each patch/unpatch returns. */
const PROBES = 3;
/** Paced (requests per second in all) so tscare-ctl still gets CPU on a small shared machine. */
const LOAD = { connections: 4, rate: 1000, seconds: 200, maxRequests: 1_000_000 };
/** Load alone before the first tscare-ctl run: the latency baseline. */
const BASELINE_MS = 3000;
/** The server exits by itself after this long, whatever happens to the test. */
const SERVER_LIFETIME_S = 240;
/** The worker's outcome codes (OUTCOME in load-client.mjs). */
const Outcome = { old: 0, new: 1, otherBody: 2, badStatus: 3, error: 4 } as const;

interface Window {
  kind: 'patch' | 'unpatch';
  startUs: number;
  endUs: number;
  frozenUs: number;
  /** Freezes needed before the safety check passed (tscare-ctl -v). */
  attempts: number;
}

interface LoadRecords {
  count: number;
  startUs: Float64Array;
  latencyUs: Float64Array;
  outcome: Uint8Array;
  samples: unknown[];
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** One request on a new connection (no agent), so no earlier connection state is reused. */
function freshGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: no answer in 5 s`)));
    req.on('error', reject);
  });
}

interface LoadHandle {
  started: Promise<void>;
  /** Asks the worker to stop and returns its records. */
  stop: () => Promise<LoadRecords>;
  /** Ends the worker at once (cleanup after a failure). */
  terminate: () => Promise<number>;
}

function startLoad(port: number): LoadHandle {
  const worker = new Worker(path.join(serverDir, 'load-client.mjs'), { workerData: { port, bodies: [OLD, NEW], ...LOAD } });
  const done = new Promise<LoadRecords>((resolve, reject) => {
    worker.on('message', (m) => m.kind === 'done' && resolve(m));
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`load worker exited (${code}) before reporting`)));
  });
  done.catch(() => undefined); // awaited in stop(); this only keeps an early failure from going unhandled
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (m) => m.kind === 'started' && resolve());
    done.catch(reject);
  });
  return {
    started,
    stop: async () => {
      worker.postMessage('stop');
      const rec = await done;
      await worker.terminate();
      return rec;
    },
    terminate: () => worker.terminate(),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `n=${s.length} p50=${percentile(s, 50)} p99=${percentile(s, 99)} max=${s.at(-1)}`;
}

function outcomeName(code: number): string {
  return Object.entries(Outcome).find(([, c]) => c === code)?.[0] ?? `outcome ${code}`;
}

/** Index of the last window starting at or before t, or -1. */
function lastWindowStartingBy(windows: Window[], t: number): number {
  let lo = 0;
  let hi = windows.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (windows[mid].startUs <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

interface Verdicts {
  /** Requests entirely between two tscare-ctl runs, by the state they must see. */
  stableOld: number;
  stableNew: number;
  /** Requests between runs that got the wrong version: [start, expected, got]. */
  wrong: [number, string, string][];
  /** Latencies of requests that ended before the first run, that overlapped a run, of the others, of all. */
  baselineLatency: number[];
  inWindowLatency: number[];
  betweenLatency: number[];
  allLatency: number[];
  /** For each tscare-ctl run, the slowest request that overlapped it. */
  worstPerWindow: number[];
}

/**
 * Sorts every request into "overlapped a tscare-ctl run" (either text is right then) or
 * "entirely between two runs", where it must see the state the last run left.
 */
function judge(rec: LoadRecords, windows: Window[]): Verdicts {
  const v: Verdicts = { stableOld: 0, stableNew: 0, wrong: [], baselineLatency: [], inWindowLatency: [], betweenLatency: [], allLatency: [], worstPerWindow: windows.map(() => 0) };
  for (let i = 0; i < rec.count; i++) {
    const start = rec.startUs[i];
    const end = start + rec.latencyUs[i];
    v.allLatency.push(rec.latencyUs[i]);
    const k = lastWindowStartingBy(windows, end);
    if (k >= 0 && windows[k].endUs >= start) {
      v.inWindowLatency.push(rec.latencyUs[i]);
      // A long request may span several runs: it counts as in flight during each.
      for (let j = k; j >= 0 && windows[j].endUs >= start; j--) v.worstPerWindow[j] = Math.max(v.worstPerWindow[j], rec.latencyUs[i]);
      continue;
    }
    (k < 0 ? v.baselineLatency : v.betweenLatency).push(rec.latencyUs[i]);
    const expected = k >= 0 && windows[k].kind === 'patch' ? Outcome.new : Outcome.old;
    if (rec.outcome[i] !== expected) v.wrong.push([start, outcomeName(expected), outcomeName(rec.outcome[i])]);
    else if (expected === Outcome.new) v.stableNew++;
    else v.stableOld++;
  }
  return v;
}

function figureOf(stdout: string, re: RegExp): number {
  const m = re.exec(stdout);
  if (!m) throw new Error(`tscare-ctl printed nothing matching ${re}:\n${stdout}`);
  return Number(m[1]);
}

describe('examples/server: patched and unpatched 100 times under load', () => {
  let workDir: string;
  let binary: string;
  let patchroot: string;
  let target: TargetProcess | undefined;
  let load: LoadHandle | undefined;

  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-e2e-server-load-'));
    const tree = path.join(workDir, 'tree');
    fs.cpSync(serverDir, tree, { recursive: true, filter: (src) => !/(^|\/)(lpmake|\.lpmaketmp|patchroot|server|[^/]*\.o)$/.test(path.relative(serverDir, src)) });
    runOk(tool('tscare-patch-make'), ['--clean', '-i', '0001', 'fix.patch'], { cwd: tree });
    binary = path.join(tree, 'lpmake', 'usr', 'local', 'bin', 'server');
    patchroot = path.join(tree, 'patchroot');
    expect(fs.existsSync(path.join(patchroot, `${readelfBuildId(binary)}.kpatch`))).toBe(true);
  }, 60000);

  afterAll(async () => {
    await load?.terminate();
    target?.kill();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs tscare-ctl (blocking this thread; the load worker keeps going), then probes. */
  async function step(kind: Window['kind'], pid: string, port: number): Promise<Window> {
    const args = ['-v', ...(kind === 'patch' ? ['patch', '-p', pid, patchroot] : ['unpatch', '-p', pid, '-i', '0001'])];
    const startUs = nowUs();
    const out = runOk(tool('tscare-ctl'), args).stdout;
    const endUs = nowUs();
    expect(out).toContain(kind === 'patch'
      ? `1 patch hunk(s) have been successfully applied to PID '${pid}'`
      : `1 patch hunk(s) were successfully cancelled from PID '${pid}'`);
    for (let i = 0; i < PROBES; i++) {
      expect(await freshGet(port, '/greeting')).toEqual({ status: 200, body: kind === 'patch' ? NEW : OLD });
    }
    return {
      kind, startUs, endUs,
      frozenUs: figureOf(out, /process patch frozen_time is (\d+) microsecond/),
      attempts: figureOf(out, /safety check passed after (\d+) attempt\(s\)/),
    };
  }

  it('answers every request, with the old text or the new one as the patch state says', async () => {
    target = TargetProcess.start(binary, ['0', String(SERVER_LIFETIME_S)], workDir);
    const [listening] = await target.linesAfter(0, 1);
    const port = Number(/^listening on 127\.0\.0\.1:(\d+)$/.exec(listening)?.[1]);
    expect(port).toBeGreaterThan(0);
    const pid = String(target.pid);
    expect(await freshGet(port, '/greeting')).toEqual({ status: 200, body: OLD });

    load = startLoad(port);
    await load.started;
    const loadBegan = Date.now();
    await new Promise((r) => setTimeout(r, BASELINE_MS));
    const windows: Window[] = [];
    for (let i = 0; i < CYCLES; i++) {
      windows.push(await step('patch', pid, port));
      windows.push(await step('unpatch', pid, port));
    }
    const rec = await load.stop();
    const loadS = (Date.now() - loadBegan) / 1000;
    const cyclesS = (windows[windows.length - 1].endUs - windows[0].startUs) / 1e6;

    const counts = Object.entries(Outcome).map(([name, code]) => [name, rec.outcome.filter((o) => o === code).length]);
    const v = judge(rec, windows);
    const frozen = (kind: Window['kind']) => stats(windows.filter((w) => w.kind === kind).map((w) => w.frozenUs));
    const attempts = stats(windows.map((w) => w.attempts));
    const toolMs = windows.map((w) => Math.round((w.endUs - w.startUs) / 1000));
    console.log([
      `server-load: ${CYCLES} patch+unpatch cycles in ${cyclesS.toFixed(1)} s, ${rec.count} load requests in ${loadS.toFixed(1)} s ` +
        `(${Math.round(rec.count / loadS)}/s on ${LOAD.connections} keep-alive connections, paced at ${LOAD.rate}/s)`,
      `  outcomes: ${counts.map(([n, c]) => `${n}=${c}`).join(' ')}`,
      `  between runs: ${v.stableOld} saw old as required, ${v.stableNew} saw new as required, ${v.wrong.length} wrong`,
      `  latency us, all requests:            ${stats(v.allLatency)}`,
      `  latency us, load alone (first ${BASELINE_MS / 1000} s): ${stats(v.baselineLatency)}`,
      `  latency us, between runs:            ${stats(v.betweenLatency)}`,
      `  latency us, during tscare-ctl runs:  ${stats(v.inWindowLatency)}`,
      `  slowest request per run, us:         ${stats(v.worstPerWindow)}`,
      `  frozen_time us, patch:   ${frozen('patch')}`,
      `  frozen_time us, unpatch: ${frozen('unpatch')}`,
      `  freezes per run:         ${attempts}`,
      `  tscare-ctl wall ms:      ${stats(toolMs)}`,
      ...rec.samples.map((s) => `  unexpected answer: ${JSON.stringify(s)}`),
    ].join('\n'));

    expect(Object.fromEntries(counts)).toEqual({ old: expect.any(Number), new: expect.any(Number), otherBody: 0, badStatus: 0, error: 0 });
    expect(v.wrong.slice(0, 5)).toEqual([]);
    // The load itself must have seen both versions between runs, not only the probes.
    expect(v.stableOld).toBeGreaterThan(0);
    expect(v.stableNew).toBeGreaterThan(0);
    expect(v.inWindowLatency.length).toBeGreaterThan(0);
    expect(v.baselineLatency.length).toBeGreaterThan(0);

    expect(target.isAlive()).toBe(true);
    expect(await freshGet(port, '/health')).toEqual({ status: 200, body: 'ok\n' });
    expect(runOk(tool('tscare-ctl'), ['info', '-p', pid]).stdout).not.toContain('Patch id:');
    expect(target.lines()).toEqual([listening]);
  }, 240000);
});
