import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices, infraBinary } from '@keelson/testing';

// deploy/compose.yaml as a whole (no Docker engine runs here to start it): the infrastructure it
// promises, files it mounts, and configurations the real servers accept. Each service's suite
// checks its own entry against its configuration (apps/<app>/test/deployment.int-spec.ts).

const deploy = join(__dirname, '..');
const services = composeServices() as Record<
  string,
  { volumes?: string[]; depends_on?: Record<string, unknown>; image?: string; command?: string[] }
>;

describe('deploy/compose.yaml', () => {
  it('runs a three-server NATS cluster, a three-member replica set, the observability stack, every service and two nodes', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        ...['nats-1', 'nats-2', 'nats-3', 'mongo-1', 'mongo-2', 'mongo-3', 'mongo-init'],
        ...['jaeger', 'prometheus', 'grafana'],
        ...['ingestion', 'preprocessing', 'training', 'gateway', 'monitoring', 'recovery'],
        ...['prediction-1', 'prediction-2'],
      ].sort(),
    );
    const init = services['mongo-init'].command!.join(' ');
    for (const member of ['mongo-1:27017', 'mongo-2:27017', 'mongo-3:27017'])
      expect(init).toContain(member);
  });

  it('starts the services once the replica set is made and the NATS servers are up', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image?.startsWith('localhost/keelson/')) continue;
      expect({ name, depends: Object.keys(service.depends_on ?? {}).sort() }).toEqual({
        name,
        depends: ['mongo-init', 'nats-1', 'nats-2', 'nats-3'],
      });
    }
  });

  it('mounts only files that exist', () => {
    const mounts = Object.values(services).flatMap((s) =>
      (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[0]),
    );
    expect(mounts.length).toBeGreaterThanOrEqual(7);
    for (const source of mounts)
      expect({ source, exists: existsSync(join(deploy, source)) }).toEqual({
        source,
        exists: true,
      });
  });

  it('gives NATS a cluster configuration nats-server accepts', () => {
    const check = spawnSync(
      infraBinary('nats-server'),
      ['-c', join(deploy, 'compose/nats.conf'), '-t'],
      { encoding: 'utf8', env: { ...process.env, SERVER_NAME: 'nats-1' } },
    );
    expect({ status: check.status, output: check.stdout + check.stderr }).toMatchObject({
      status: 0,
    });
    expect(check.stdout + check.stderr).toContain('is valid');
  });

  it('gives Prometheus a configuration promtool accepts', () => {
    const promtool = execFileSync(join(deploy, '../tools/infra/tool.sh'), ['promtool'], {
      encoding: 'utf8',
    }).trim();
    // --syntax-only: the rule file is mounted beside it in the container, not here.
    const check = spawnSync(
      promtool,
      ['check', 'config', '--syntax-only', join(deploy, 'compose/prometheus.yml')],
      { encoding: 'utf8' },
    );
    expect({ status: check.status, output: check.stdout + check.stderr }).toMatchObject({
      status: 0,
    });
  }, 1_200_000);
});
