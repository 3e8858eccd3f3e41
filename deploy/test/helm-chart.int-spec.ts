import { spawnSync } from 'node:child_process';
import { CHART_DIR, deploymentOf, helmBinary, podSpecOf, renderChart } from '@keelson/testing';
import type { K8sObject } from '@keelson/testing';

// The chart as a whole: it lints, and what it renders holds the platform's rules. Each service's
// own suite checks its Deployment against its configuration (apps/<app>/test/deployment.int-spec.ts).

const SERVICES = [
  'ingestion',
  'preprocessing',
  'training',
  'prediction',
  'gateway',
  'monitoring',
  'recovery',
];
const NODE_CALLERS = ['gateway', 'monitoring', 'recovery'];

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const serviceLabel = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/name'];
const selector = (o: K8sObject) =>
  (o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;

describe('the Helm chart', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    helmBinary(); // built on first use, which takes minutes
    objects = renderChart();
  }, 1_200_000);

  it('passes helm lint --strict', () => {
    const lint = spawnSync(helmBinary(), ['lint', '--strict', CHART_DIR], { encoding: 'utf8' });
    expect({ status: lint.status, output: lint.stdout + lint.stderr }).toMatchObject({ status: 0 });
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('has a Deployment, a Service and a PodDisruptionBudget for every service', () => {
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget'])
      expect(ofKind(objects, kind).map(serviceLabel).sort()).toEqual([...SERVICES].sort());
    for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
      const deployment = deploymentOf(objects, serviceLabel(pdb)!);
      expect(selector(pdb)).toEqual(selector(deployment));
      expect((pdb.spec as { maxUnavailable: number }).maxUnavailable).toBe(1);
    }
  });

  it('routes every Service port to a port its pods declare', () => {
    for (const service of ofKind(objects, 'Service')) {
      const pod = podSpecOf(deploymentOf(objects, serviceLabel(service)!));
      const declared = pod.containers[0].ports.map((p) => p.name);
      const ports = (service.spec as { ports: Array<{ targetPort: string }> }).ports;
      expect(ports.length).toBeGreaterThan(0);
      for (const port of ports) expect(declared).toContain(port.targetPort);
      expect((service.spec as { selector: unknown }).selector).toEqual(
        selector(deploymentOf(objects, serviceLabel(service)!)),
      );
    }
  });

  it('autoscales the prediction nodes and the gateways, and leaves their replicas to the HPA', () => {
    const hpas = ofKind(objects, 'HorizontalPodAutoscaler');
    expect(hpas.map(serviceLabel).sort()).toEqual(['gateway', 'prediction']);
    for (const hpa of hpas) {
      const deployment = deploymentOf(objects, serviceLabel(hpa)!);
      const spec = hpa.spec as {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
      };
      expect(spec.scaleTargetRef).toMatchObject({
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      expect(spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(deployment.spec).not.toHaveProperty('replicas');
    }
  });

  it('lets only the gateway, monitoring, recovery and the metrics scraper reach prediction nodes', () => {
    const policies = ofKind(objects, 'NetworkPolicy');
    expect(policies).toHaveLength(1);
    const spec = policies[0].spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress: Array<{
        from: Array<{
          podSelector?: { matchLabels: Record<string, string> };
          namespaceSelector?: object;
        }>;
        ports: Array<{ port: string }>;
      }>;
    };
    expect(spec.podSelector.matchLabels).toEqual(selector(deploymentOf(objects, 'prediction')));
    expect(spec.policyTypes).toEqual(['Ingress']);
    const fromPods = spec.ingress.flatMap((rule) =>
      rule.from.flatMap((peer) => (peer.podSelector ? [peer.podSelector.matchLabels] : [])),
    );
    expect(fromPods).toEqual(NODE_CALLERS.map((name) => selector(deploymentOf(objects, name))));
    // The only other peer is the scraper's namespace, and only to the HTTP port (/metrics).
    const others = spec.ingress.filter((rule) => rule.from.some((peer) => !peer.podSelector));
    expect(others).toHaveLength(1);
    expect(others[0].from.every((peer) => peer.namespaceSelector)).toBe(true);
    expect(others[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
  });

  it('gives the node token only to nodes and their callers, from the chart Secret', () => {
    const secret = ofKind(objects, 'Secret');
    expect(secret).toHaveLength(1);
    const data = (secret[0] as unknown as { stringData: Record<string, string> }).stringData;
    expect(data.KEELSON_NODE_TOKENS).toMatch(/^[A-Za-z0-9]{32}$/);
    for (const name of SERVICES) {
      const env = podSpecOf(deploymentOf(objects, name)).containers[0].env;
      const token = env.find((v) => v.name === 'KEELSON_NODE_TOKENS');
      if (['prediction', 'gateway', 'recovery'].includes(name))
        expect(token?.valueFrom?.secretKeyRef).toEqual({
          name: secret[0].metadata.name,
          key: 'KEELSON_NODE_TOKENS',
        });
      else expect(token).toBeUndefined();
    }
  });

  it('runs every container as a non-root user on a read-only root filesystem', () => {
    for (const name of SERVICES) {
      const pod = podSpecOf(deploymentOf(objects, name)) as unknown as {
        securityContext: { runAsNonRoot: boolean; runAsUser: number };
        containers: Array<{ securityContext: Record<string, unknown> }>;
      };
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.containers[0].securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('takes credentials from an existing Secret when given one, and makes none of its own', () => {
    const withExisting = renderChart(['secrets.existingSecret=keelson-prod']);
    expect(ofKind(withExisting, 'Secret')).toHaveLength(0);
    const env = podSpecOf(deploymentOf(withExisting, 'ingestion')).containers[0].env;
    expect(env.find((v) => v.name === 'MONGO_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'keelson-prod',
      key: 'MONGO_URL',
    });
  });

  it('refuses to render without a database to point at', () => {
    const run = spawnSync(
      helmBinary(),
      ['template', 'keelson', CHART_DIR, '--set', 'secrets.mongoUrl='],
      { encoding: 'utf8' },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('secrets.mongoUrl (or secrets.existingSecret) is required');
  });
});
