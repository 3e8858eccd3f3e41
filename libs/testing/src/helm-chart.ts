import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Checks of the Helm chart under deploy/helm/keelson against the services' own code: each app's
 * test renders the chart with the real `helm` (tools/infra/tool.sh builds it on first use) and
 * loads its configuration from the environment its Deployment sets, so a port, probe or variable
 * in the chart that the code does not read fails that app's suite.
 */

const root = join(__dirname, '../../..');

/**
 * What the checks need of a service's configuration (its `defineConfig` definition), written
 * out here because the test helpers must not depend on the libs they test.
 */
export interface ConfigDefinitionLike<C> {
  load(env: Record<string, string | undefined>): C;
  variables(): Array<{ variable: string }>;
}

/** A duration as the services read one (`20s`, `500ms`, `2m`, `1h`, or milliseconds). */
function durationMs(text: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms']!;
}
export const CHART_DIR = join(root, 'deploy/helm/keelson');

/** A rendered Kubernetes object, as far as the checks read it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** The helm binary, built from the Go module proxy the first time (minutes), then cached. */
export function helmBinary(): string {
  return execFileSync(join(root, 'tools/infra/tool.sh'), ['helm'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

const rendered = new Map<string, K8sObject[]>();

/** `helm template` of the chart with `--set` overrides; renders once per set of overrides. */
export function renderChart(sets: string[] = []): K8sObject[] {
  const key = sets.join('\n');
  const cached = rendered.get(key);
  if (cached) return cached;
  const args = ['template', 'keelson', CHART_DIR, ...sets.flatMap((s) => ['--set', s])];
  const text = execFileSync(helmBinary(), args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const objects = parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o);
  rendered.set(key, objects);
  return objects;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { key: string } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  ports: Array<{ name: string; containerPort: number }>;
  env: EnvVar[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  containers: Container[];
}

/** The Deployment of one service (its `app.kubernetes.io/name` label). */
export function deploymentOf(objects: K8sObject[], service: string): K8sObject {
  const found = objects.filter(
    (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === service,
  );
  if (found.length !== 1)
    throw new Error(`expected one Deployment of ${service}, found ${found.length}`);
  return found[0];
}

export const podSpecOf = (deployment: K8sObject): PodSpec =>
  (deployment.spec as { template: { spec: PodSpec } }).template.spec;

/**
 * What the kubelet would give the container: literal values as they are, a pod field and a secret
 * key as a plausible value of their kind (the secret's real content is the operator's).
 */
const SECRET_SAMPLES: Record<string, string> = {
  MONGO_URL:
    'mongodb://mongo-0.mongo:27017,mongo-1.mongo:27017,mongo-2.mongo:27017/keelson?replicaSet=rs0',
  KEELSON_NODE_TOKENS: 'chart-test-node-token-0123456789',
  NATS_PASSWORD: 'chart-test-password',
};
const FIELD_SAMPLES: Record<string, string> = {
  'metadata.name': 'keelson-gateway-5d8f9c7b6d-x2x7q',
  'status.podIP': '10.42.0.17',
};

export function containerEnv(container: Container): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const v of container.env) {
    const value =
      v.value ??
      (v.valueFrom?.fieldRef && FIELD_SAMPLES[v.valueFrom.fieldRef.fieldPath]) ??
      (v.valueFrom?.secretKeyRef && SECRET_SAMPLES[v.valueFrom.secretKeyRef.key]);
    if (value === undefined) throw new Error(`${container.name}: no value for ${v.name}`);
    vars[v.name] = value;
  }
  return vars;
}

/**
 * Variables a service reads outside its configuration definition: the shutdown grace and TLS files
 * (libs/service-kit), and Node's own options.
 */
export const PROCESS_WIDE_VARIABLES = [
  'SHUTDOWN_GRACE',
  'KEELSON_TLS_CERT_FILE',
  'KEELSON_TLS_KEY_FILE',
  'NODE_OPTIONS',
];

/**
 * Variables whose defaults point at this machine (127.0.0.1): a container that reads one must be
 * given it, or it would look for NATS, the database or the trace collector inside itself.
 */
export const LOCAL_DEFAULTS = [
  'NATS_URL',
  'MONGO_URL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'MONITORING_RECOVERY_URL',
];

/** Of the `LOCAL_DEFAULTS` `definition` reads, those `env` leaves unset. */
export function localDefaultsLeft(
  definition: ConfigDefinitionLike<unknown>,
  env: object,
): string[] {
  const read = new Set(definition.variables().map((v) => v.variable));
  return LOCAL_DEFAULTS.filter((name) => read.has(name) && !(name in env));
}

export interface ListenSettings {
  host: string;
  port: number;
  grpcPort?: number;
}

/** What one service's chart check found, for the assertions its own test adds. */
export interface ChartCheck<C> {
  config: C;
  env: Record<string, string>;
  ports: Record<string, number>;
  unreadVariables: string[];
  probes: Array<{ kind: string; path: string; port: number }>;
  terminationGraceMs: number;
}

/** Loads `definition` from the environment the chart gives `service`'s container. */
export function checkChartAgainst<C>(
  service: string,
  definition: ConfigDefinitionLike<C>,
  objects = renderChart(),
): ChartCheck<C> {
  const pod = podSpecOf(deploymentOf(objects, service));
  const container = pod.containers.find((c) => c.name === service);
  if (!container) throw new Error(`the ${service} Deployment has no container named ${service}`);
  const vars = containerEnv(container);
  const read = new Set([
    ...definition.variables().map((v) => v.variable),
    ...PROCESS_WIDE_VARIABLES,
  ]);
  const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
  const portOf = (port: string | number) => (typeof port === 'number' ? port : ports[port]);
  return {
    config: definition.load(vars),
    env: vars,
    ports,
    unreadVariables: Object.keys(vars).filter((name) => !read.has(name)),
    probes: (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).map((kind) => ({
      kind,
      path: container[kind].httpGet.path,
      port: portOf(container[kind].httpGet.port),
    })),
    terminationGraceMs: pod.terminationGracePeriodSeconds * 1000,
  };
}

/**
 * The chart runs `service` as its code expects: every variable set is one the service reads, its
 * configuration loads from them, it listens on all interfaces on the ports the container declares,
 * its probes ask routes it serves on its HTTP port, streams get 3 replicas, and the pod's grace
 * outlasts the service's own shutdown grace.
 */
export function expectChartToRun<C>(
  service: string,
  definition: ConfigDefinitionLike<C>,
  listen: (config: C) => ListenSettings,
  servedPaths: readonly string[],
): void {
  const check = checkChartAgainst(service, definition);
  expect(check.unreadVariables).toEqual([]);
  expect(localDefaultsLeft(definition, check.env)).toEqual([]);
  const settings = listen(check.config);
  expect(settings.host).toBe('0.0.0.0');
  expect(check.ports.http).toBe(settings.port);
  if (settings.grpcPort === undefined) expect(check.ports.grpc).toBeUndefined();
  else expect(check.ports.grpc).toBe(settings.grpcPort);
  expect(check.probes.map((p) => p.port)).toEqual([settings.port, settings.port, settings.port]);
  for (const probe of check.probes) expect(servedPaths).toContain(probe.path);
  expect(check.probes.find((p) => p.kind === 'readinessProbe')?.path).toBe('/health/ready');
  expect(check.env.NATS_STREAM_REPLICAS).toBe('3');
  // Set by the chart, not left to libs/service-kit's default, and shorter than the pod's grace.
  const graceMs = durationMs(check.env.SHUTDOWN_GRACE);
  expect({ SHUTDOWN_GRACE: check.env.SHUTDOWN_GRACE, graceMs }).toEqual({
    SHUTDOWN_GRACE: expect.any(String),
    graceMs: expect.any(Number),
  });
  expect(check.terminationGraceMs).toBeGreaterThan(graceMs!);
}
