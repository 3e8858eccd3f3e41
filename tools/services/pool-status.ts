// Part of `./keelson status`: the prediction nodes as monitoring judges them and recovery routes
// them, and the alerts firing now. Quiet about a service that is not running, or without a key.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const monitoring = `http://127.0.0.1:${process.env.MONITORING_HTTP_PORT ?? 8084}`;
const recovery = `http://127.0.0.1:${process.env.RECOVERY_HTTP_PORT ?? 8085}`;
const keyFile = join(root, '.keelson/admin-key');

interface Health {
  nodeId: string;
  state: string;
  score: number;
  reasons: string[];
}
interface Routing {
  nodeId: string;
  state: string;
  weight: number;
  reason: string;
  held?: string;
}

async function main() {
  if (!existsSync(keyFile)) return;
  const headers = { authorization: `Bearer ${readFileSync(keyFile, 'utf8').trim()}` };
  const get = async <T>(url: string): Promise<T | undefined> => {
    const response = await fetch(url, { headers }).catch(() => undefined);
    return response?.ok ? ((await response.json()) as T) : undefined;
  };
  const [health, routing, firing] = await Promise.all([
    get<{ nodes: Health[] }>(`${monitoring}/v1/nodes`),
    get<{ nodes: Routing[] }>(`${recovery}/v1/nodes`),
    get<{ alerts: Array<{ kind: string; target: string; severity: string }> }>(
      `${monitoring}/v1/alerts?state=firing&limit=50`,
    ),
  ]);
  if (!health && !routing) return;
  const ids = new Set([...(health?.nodes ?? []), ...(routing?.nodes ?? [])].map((n) => n.nodeId));
  process.stdout.write(
    `\n${'node'.padEnd(36)} ${'health'.padEnd(11)} score  ${'routing'.padEnd(10)} weight  why\n`,
  );
  for (const id of ids) {
    const h = health?.nodes.find((n) => n.nodeId === id);
    const r = routing?.nodes.find((n) => n.nodeId === id);
    const why = [h?.reasons.join(', '), r && r.state !== 'active' ? r.reason : '', r?.held]
      .filter(Boolean)
      .join('; ');
    process.stdout.write(
      `${id.padEnd(36)} ${(h?.state ?? '?').padEnd(11)} ${(h ? h.score.toFixed(2) : '?').padStart(5)}  ${(r?.state ?? '?').padEnd(10)} ${(r ? r.weight.toFixed(2) : '?').padStart(6)}  ${why}\n`,
    );
  }
  const alerts = firing?.alerts ?? [];
  process.stdout.write(`\nalerts firing: ${alerts.length}\n`);
  for (const a of alerts)
    process.stdout.write(`  ${a.severity.padEnd(8)} ${a.kind.padEnd(18)} ${a.target}\n`);
}

main().catch(() => undefined); // status must never fail because a service is unwell
