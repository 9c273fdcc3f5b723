#!/usr/bin/env node
/**
 * A bounded load client for the example server: CONNECTIONS keep-alive connections on
 * 127.0.0.1:PORT, each sending GET /greeting back to back until SECONDS have passed or
 * MAX requests were sent (whichever comes first). Every request is recorded: its start
 * (process.hrtime, in microseconds: the same monotonic clock in every thread and
 * process), its latency, and its outcome.
 *
 *   node load-client.mjs PORT [SECONDS=10] [CONNECTIONS=4] [RATE=0]    prints a summary
 *
 * RATE: requests per second in all (0: as fast as the answers come).
 *
 * The end-to-end test runs this file as a worker thread (workerData: the options), so the
 * load goes on while the test's main thread is blocked running tscare-ctl; it sends
 * 'stop' and receives the records as transferred typed arrays.
 */
import http from 'node:http';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Outcome codes in the `outcome` array. */
export const OUTCOME = { old: 0, new: 1, otherBody: 2, badStatus: 3, error: 4 };
const REQUEST_TIMEOUT_MS = 5000;
const SAMPLES_KEPT = 10;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function getOnce(agent, port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/greeting', agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve({ error: e.message }));
  });
}

/**
 * Runs the load; `shouldStop()` is polled between requests. With `rate` > 0 (requests per
 * second, all connections together) each connection paces itself to its share. `bodies` = [old, new]: the
 * two bodies that count as correct. Returns the records and a few unexpected answers.
 */
export async function runLoad({ port, seconds, connections, maxRequests, bodies, rate = 0, shouldStop = () => false }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const rec = {
    count: 0,
    startUs: new Float64Array(maxRequests),
    latencyUs: new Float64Array(maxRequests),
    outcome: new Uint8Array(maxRequests),
    samples: [],
  };
  const deadline = Date.now() + seconds * 1000;
  const periodUs = rate > 0 ? (connections * 1e6) / rate : 0;
  const loop = async () => {
    let next = nowUs();
    while (rec.count < maxRequests && Date.now() < deadline && !shouldStop()) {
      const wait = next - nowUs();
      if (wait > 1000) await new Promise((r) => setTimeout(r, wait / 1000));
      next = Math.max(next + periodUs, nowUs() - periodUs);
      const i = rec.count++;
      const t0 = nowUs();
      const r = await getOnce(agent, port);
      rec.startUs[i] = t0;
      rec.latencyUs[i] = nowUs() - t0;
      rec.outcome[i] = classify(r, bodies);
      if (rec.outcome[i] >= OUTCOME.otherBody && rec.samples.length < SAMPLES_KEPT) rec.samples.push(r);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  agent.destroy();
  return rec;
}

function classify(r, bodies) {
  if (r.error !== undefined) return OUTCOME.error;
  if (r.status !== 200) return OUTCOME.badStatus;
  const k = bodies.indexOf(r.body);
  return k === 0 ? OUTCOME.old : k === 1 ? OUTCOME.new : OUTCOME.otherBody;
}

async function asWorker() {
  let stop = false;
  parentPort.on('message', (m) => {
    if (m === 'stop') stop = true;
  });
  parentPort.postMessage({ kind: 'started' });
  const rec = await runLoad({ ...workerData, shouldStop: () => stop });
  const n = rec.count;
  const startUs = rec.startUs.slice(0, n);
  const latencyUs = rec.latencyUs.slice(0, n);
  const outcome = rec.outcome.slice(0, n);
  parentPort.postMessage({ kind: 'done', count: n, startUs, latencyUs, outcome, samples: rec.samples },
    [startUs.buffer, latencyUs.buffer, outcome.buffer]);
}

async function asCli(argv) {
  const [port, seconds = '10', connections = '4', rate = '0'] = argv;
  if (!port) {
    console.error('usage: node load-client.mjs PORT [SECONDS=10] [CONNECTIONS=4] [RATE=0]');
    process.exit(2);
  }
  const rec = await runLoad({
    port: Number(port), seconds: Number(seconds), connections: Number(connections), rate: Number(rate),
    maxRequests: 2_000_000, bodies: ['hello v1\n', 'hello v2\n'],
  });
  const counts = Object.entries(OUTCOME).map(([name, code]) => `${name}=${rec.outcome.subarray(0, rec.count).filter((o) => o === code).length}`);
  const lat = [...rec.latencyUs.subarray(0, rec.count)].sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : NaN);
  console.log(`${rec.count} requests: ${counts.join(' ')}`);
  console.log(`latency us: p50=${pct(50)} p99=${pct(99)} max=${lat.at(-1)}`);
  for (const s of rec.samples) console.log('unexpected:', JSON.stringify(s));
}

if (!isMainThread && workerData?.port !== undefined) await asWorker();
else if (isMainThread && process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await asCli(process.argv.slice(2));
