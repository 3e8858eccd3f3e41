import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, testInfra, uniqueId, waitForOk } from '@keelson/testing';

// A service image built the way `./keelson images` builds it (podman, --isolation=chroot, from a
// base image of Debian packages). This machine's podman cannot start containers (crun is refused
// setrlimit), so the image's own filesystem is started the way its config says, under chroot: its
// user, working directory, environment and command, then its own health check.

const root = join(__dirname, '../..');

interface ImageConfig {
  User: string;
  WorkingDir: string;
  Env: string[];
  Cmd: string[];
  ExposedPorts: Record<string, object>;
  Healthcheck?: { Test: string[] };
}

const podman = (...args: string[]) => execFileSync('podman', args, { encoding: 'utf8' }).trim();

describe('the ingestion image', () => {
  let tag: string;
  let config: ImageConfig;
  let rootfs: string | undefined;
  let service: ChildProcess | undefined;

  beforeAll(() => {
    // The first run installs podman and mmdebstrap and makes the base image: minutes.
    const built = execFileSync(join(root, 'tools/images/images.sh'), ['ingestion'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 1_200_000,
    });
    tag = built.trim().split('\n').pop()!;
    const [image] = JSON.parse(podman('image', 'inspect', tag)) as Array<{
      Config: ImageConfig;
      Healthcheck?: ImageConfig['Healthcheck'];
    }>;
    // podman keeps the Docker-format health check beside the OCI config, not in it.
    config = { ...image.Config, Healthcheck: image.Healthcheck };
  }, 1_260_000);

  afterAll(() => {
    service?.kill('SIGKILL');
    if (rootfs) podman('image', 'umount', tag);
  });

  it('runs as a non-root user, exposes its port and checks its readiness', () => {
    expect(tag).toMatch(/^localhost\/keelson\/keelson-ingestion:\d+\.\d+\.\d+$/);
    expect(config.User).toBe('10001:10001');
    expect(Object.keys(config.ExposedPorts)).toEqual(['8082/tcp']);
    expect(config.Env).toEqual(
      expect.arrayContaining(['INGESTION_HOST=0.0.0.0', 'INGESTION_HTTP_PORT=8082']),
    );
    expect(config.Healthcheck?.Test.join(' ')).toContain('http://127.0.0.1:8082/health/ready');
    expect(config.Cmd).toEqual(['node', 'apps/ingestion/src/main.js']);
  });

  it('starts from its own filesystem as its config says, is ready, and passes its health check', async () => {
    rootfs = podman('image', 'mount', tag);
    const port = await freePort();
    const overrides = {
      INGESTION_HTTP_PORT: String(port),
      NATS_URL: testInfra.natsUrl,
      MONGO_URL: testInfra.mongoUrl.replace(/\/[^/]*$/, `/image_e2e_${uniqueId()}`),
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
    };
    const env = [...config.Env, ...Object.entries(overrides).map(([k, v]) => `${k}=${v}`)];
    const inImage = (command: string[]) => [
      `--userspec=${config.User}`,
      rootfs!,
      '/usr/bin/env',
      '-i',
      ...env,
      '/bin/sh',
      '-c',
      `cd ${config.WorkingDir} && exec "$@"`,
      'sh',
      ...command,
    ];
    let output = '';
    service = spawn('chroot', inImage(config.Cmd), { stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (d) => (output += String(d)));
    service.stderr!.on('data', (d) => (output += String(d)));
    await waitForOk(`http://127.0.0.1:${port}/health/ready`).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });

    // Its own HEALTHCHECK, on the port it was told to use.
    const check = config.Healthcheck!.Test.slice(1).map((arg) => arg.replace('8082', String(port)));
    const health = spawnSync('chroot', inImage(check), { encoding: 'utf8', timeout: 10_000 });
    expect({ status: health.status, stderr: health.stderr }).toEqual({ status: 0, stderr: '' });
    // The service user cannot change the application it runs.
    const write = spawnSync('chroot', inImage(['touch', 'apps/tampered']), { encoding: 'utf8' });
    expect(write.status).not.toBe(0);
  }, 120_000);
});
