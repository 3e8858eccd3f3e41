// `./keelson bench monitor`: the compiled monitoring service under the load of a large pool.
// BENCH_NODES (200) simulated nodes heartbeat at 1 Hz with a gateway reporting its view of all of
// them, and BENCH_SAMPLES (2,000) prediction samples/s flow for drift. Measured over
// BENCH_SECONDS (60) after a warm-up: monitoring's CPU (share of one core) and peak RSS. Then
// the node scenarios (killed, 20% server errors, 5x slower, hung) are played on the same pool
// and the time to each `alert.node.unhealthy` is printed, and the anomaly detector suite's
// precision and recall beside the rolling z-score baseline.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildDriftReference, formatDetectorSuite, runDetectorSuite } from '@keelson/detection';
import { connectNats, decodeJson, EventPublisher, provision } from '@keelson/messaging';
import { connectMongo } from '@keelson/persistence';
import {
  CATALOGUE,
  ModelRegistered,
  PredictionSampled,
  type AlertData,
  type PredictionSample,
} from '@keelson/schemas';
import {
  appNodeFlags,
  freePort,
  SimulatedPool,
  uniqueId,
  waitFor,
  waitForOk,
} from '@keelson/testing';
import { generateCreditRows } from '@keelson/sample-data';
import { cpuSeconds, memoryMb } from './support/proc';

const root = join(__dirname, '..');
const NODES = Number(process.env.BENCH_NODES ?? 200);
const SAMPLES_PER_SECOND = Number(process.env.BENCH_SAMPLES ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_SECONDS = 15;
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const FEATURES = ['age', 'income', 'debt_ratio', 'credit_score', 'employment'] as const;

/** Credit rows as a sampled call of one row each. */
function samples(rows: ReturnType<typeof generateCreditRows>): PredictionSample[] {
  return rows.map(({ record, probability }) => ({
    at: new Date().toISOString(),
    latencyMs: 1.2,
    inputs: FEATURES.map((name) => ({
      name,
      datatype: name === 'employment' ? 'BYTES' : 'FP64',
      shape: [1, 1],
      data: [(record[name] as number | string | null) ?? (name === 'employment' ? '' : null)],
    })),
    outputs: [
      {
        name: 'probabilities',
        datatype: 'FP32',
        shape: [1, 2],
        data: [1 - probability, probability],
      },
    ],
  }));
}

async function main() {
  const id = uniqueId();
  const prefix = `bench${id}_`;
  const model = `${prefix}credit`;
  const messaging = await connectNats({
    url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'bench-monitor',
  });
  await provision(messaging.nc, messaging.jsm, CATALOGUE);
  const mongoUrl = `mongodb://127.0.0.1:27017/bench_monitor_${id}`;
  const port = await freePort();
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  const monitoring: ChildProcess = spawn(
    process.execPath,
    [...appNodeFlags('monitoring'), ...extra, join(root, 'dist/apps/monitoring/src/main.js')],
    {
      cwd: root,
      env: {
        ...process.env,
        MONGO_URL: mongoUrl,
        MONITORING_HTTP_PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', process.env.BENCH_MONITOR_STDOUT ? 'inherit' : 'ignore', 'inherit'],
    },
  );
  const pid = monitoring.pid!;
  try {
    await waitForOk(`http://127.0.0.1:${port}/health/ready`, { timeoutMs: 90_000 });
    const publisher = new EventPublisher(messaging.js, 'bench/monitor');

    // The drift reference: a credit model's training rows.
    const training = generateCreditRows({ seed: 1, rows: 20_000 });
    const reference = buildDriftReference({
      features: Object.fromEntries(
        FEATURES.map((name) => [
          name,
          {
            kind: name === 'employment' ? 'category' : 'number',
            values: training.map(({ record }) => record[name] ?? null),
          },
        ]),
      ) as never,
      scores: { output: 'probabilities', column: 1, values: training.map((r) => r.probability) },
    });
    await publisher.publish(ModelRegistered, {
      model,
      version: 1,
      metrics: {},
      artifact: { sha256: 'b'.repeat(64), sizeBytes: 1 },
      stage: 'registered',
      reference,
    });

    const alerts: Array<AlertData & { at: number }> = [];
    messaging.nc.subscribe('alert.>', {
      callback: (error, msg) => {
        const decoded = error ? undefined : decodeJson(msg.data);
        const data = decoded?.ok ? (decoded.value as { data: AlertData }).data : undefined;
        if (data?.target.startsWith(prefix)) alerts.push({ ...data, at: Date.now() });
      },
    });

    const nodeIds = Array.from({ length: NODES }, (_, i) => `${prefix}n${i + 1}`);
    const pool = new SimulatedPool(publisher, nodeIds, model, 1_000);
    pool.start();
    const live = generateCreditRows({ seed: 2, rows: 50_000 });
    let next = 0;
    const perTick = Math.max(1, Math.round(SAMPLES_PER_SECOND / 20)); // 20 messages a second
    const sampler = setInterval(() => {
      const batch = samples(Array.from({ length: perTick }, () => live[next++ % live.length]));
      void publisher
        .publish(
          PredictionSampled,
          { model, version: 1, nodeId: nodeIds[0], samples: batch, droppedSinceStart: 0 },
          { subject: model },
        )
        .catch(() => undefined);
    }, 50);

    say(
      `${NODES} nodes at 1 Hz and ${SAMPLES_PER_SECOND} samples/s; warming up ${WARMUP_SECONDS} s`,
    );
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1_000));
    const cpuBefore = cpuSeconds(pid);
    const startedAt = performance.now();
    let peakRss = 0;
    const timeline: number[] = [];
    const rssTimer = setInterval(() => {
      const rss = memoryMb(pid, 'VmRSS');
      timeline.push(rss);
      peakRss = Math.max(peakRss, rss);
    }, 1_000);
    say(`measuring for ${SECONDS} s`);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1_000));
    clearInterval(rssTimer);
    const cpuShare = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - startedAt) / 1_000);
    const falseAlarms = alerts.filter((a) => a.kind === 'node.unhealthy').length;

    // The node scenarios, one victim each, on the loaded pool.
    const scenarios: Array<[string, Parameters<SimulatedPool['set']>[1], number]> = [
      ['killed (silent)', { silent: true }, 3_000],
      ['20% server errors', { serverErrorRate: 0.2 }, 5_000],
      ['5x slower', { p99: 15 }, 10_000],
      [
        'hung (silent, callers time out)',
        { silent: true, calls: 0, timeouts: 5, circuit: 'open' },
        10_000,
      ],
    ];
    const delays: Array<{ scenario: string; ms: number; targetMs: number }> = [];
    for (const [i, [scenario, behaviour, targetMs]] of scenarios.entries()) {
      const victim = nodeIds[i + 1];
      const from = Date.now();
      pool.set(victim, behaviour);
      const alert = await waitFor(
        `${scenario} alerted`,
        () =>
          alerts.find(
            (a) => a.kind === 'node.unhealthy' && a.target === victim && a.state === 'firing',
          ),
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      delays.push({ scenario, ms: alert.at - from, targetMs });
      pool.set(victim, {});
    }
    clearInterval(sampler);
    pool.stop();

    const { body } = await fetch(`http://127.0.0.1:${port}/metrics`).then(async (r) => ({
      body: await r.text(),
    }));
    const judged = /keelson_monitoring_prediction_samples_total\{result="judged"\} (\d+)/.exec(
      body,
    )?.[1];
    console.log(
      `\nmonitoring with ${NODES} nodes at 1 Hz and ${SAMPLES_PER_SECOND} prediction samples/s (node ${appNodeFlags('monitoring').join(' ')})`,
    );
    console.log(
      `  CPU:       ${(cpuShare * 100).toFixed(1)}% of one core (target < 25%)  ${cpuShare < 0.25 ? 'met' : 'NOT MET'}`,
    );
    const hwm = memoryMb(pid, 'VmHWM');
    console.log(
      `  RSS:       peak ${hwm} MB (sampled ${peakRss} MB) (target < 200 MB)  ${hwm < 200 ? 'met' : 'NOT MET'}`,
    );
    console.log(
      `  RSS every 10 s of the measurement (MB): ${timeline.filter((_, i) => i % 10 === 0).join(' ')}`,
    );
    console.log(`  node alerts on a healthy pool during the measurement: ${falseAlarms}`);
    console.log(`  prediction rows judged for drift: ${judged ?? '?'}`);
    console.log(
      '\ndetection delay, fault to alert.node.unhealthy (simulated nodes, 1 s heartbeats)',
    );
    for (const d of delays)
      console.log(
        `  ${d.scenario.padEnd(34)} ${String(d.ms).padStart(6)} ms (target ${d.targetMs} ms)  ${d.ms <= d.targetMs ? 'met' : 'NOT MET'}`,
      );
    console.log('\nanomaly detectors on the labelled suite');
    console.log(formatDetectorSuite(runDetectorSuite()));
  } finally {
    monitoring.kill('SIGTERM');
    await new Promise((resolve) => monitoring.once('exit', resolve));
    const connection = await connectMongo({ url: mongoUrl });
    await connection.dropDatabase();
    await connection.close();
    await messaging.drain();
  }
}

main().catch((error: Error) => {
  say(error.stack ?? error.message);
  process.exit(1);
});
