// Part of `./keelson status`: the prediction nodes as monitoring judges them, and the alerts
// firing now. Quiet when monitoring is not running or there is no development key yet.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const monitoring = `http://127.0.0.1:${process.env.MONITORING_HTTP_PORT ?? 8084}`;
const keyFile = join(root, '.keelson/admin-key');

interface Node {
  nodeId: string;
  state: string;
  score: number;
  reasons: string[];
}

async function main() {
  if (!existsSync(keyFile)) return;
  const headers = { authorization: `Bearer ${readFileSync(keyFile, 'utf8').trim()}` };
  const get = async <T>(path: string): Promise<T | undefined> => {
    const response = await fetch(`${monitoring}${path}`, { headers }).catch(() => undefined);
    return response?.ok ? ((await response.json()) as T) : undefined;
  };
  const nodes = await get<{ nodes: Node[] }>('/v1/nodes');
  if (!nodes) return;
  const firing = await get<{ alerts: Array<{ kind: string; target: string; severity: string }> }>(
    '/v1/alerts?state=firing&limit=50',
  );
  process.stdout.write(`\n${'node'.padEnd(40)} ${'health'.padEnd(11)} score  reasons\n`);
  for (const n of nodes.nodes)
    process.stdout.write(
      `${n.nodeId.padEnd(40)} ${n.state.padEnd(11)} ${n.score.toFixed(2).padStart(5)}  ${n.reasons.join(', ')}\n`,
    );
  const alerts = firing?.alerts ?? [];
  process.stdout.write(`\nalerts firing: ${alerts.length}\n`);
  for (const a of alerts)
    process.stdout.write(`  ${a.severity.padEnd(8)} ${a.kind.padEnd(18)} ${a.target}\n`);
}

main().catch(() => undefined); // status must never fail because monitoring is unwell
