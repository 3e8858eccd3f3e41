/** A registered model as training's `GET /v1/models` lists it. */
export interface ModelRow {
  model: string;
  versions: number;
  latest: number;
  stages?: { production?: number; canary?: number; canaryWeight?: number; history?: number[] };
}

export function formatModels(models: ModelRow[]): string {
  if (models.length === 0) return 'no models registered';
  return [
    `${'model'.padEnd(24)} ${'versions'.padStart(8)}  ${'latest'.padStart(6)}  production  canary`,
    ...[...models]
      .sort((a, b) => a.model.localeCompare(b.model))
      .map((m) => {
        const s = m.stages ?? {};
        const canary =
          s.canary === undefined
            ? '-'
            : `v${s.canary} (${Math.round((s.canaryWeight ?? 0) * 100)}% of traffic)`;
        return `${m.model.padEnd(24)} ${String(m.versions).padStart(8)}  ${`v${m.latest}`.padStart(6)}  ${(s.production === undefined ? '-' : `v${s.production}`).padEnd(10)}  ${canary}`;
      }),
  ].join('\n');
}
