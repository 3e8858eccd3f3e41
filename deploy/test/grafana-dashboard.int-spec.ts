import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportedMetrics,
  exportedSeries,
  REPO_ROOT,
  scrapeTargetLabels,
  unknownReferences,
} from './exported-metrics';

// The Grafana dashboard (deploy/grafana/keelson.json) against the code: it reads only what the
// services export, and it has the panels operators were promised.

interface Target {
  refId: string;
  expr?: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title?: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string;
}

const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
// The panels, by title (what is not exported yet is in
// docs/operations.md#dashboards-and-alert-rules).
const REQUIRED_PANELS = [
  'Records in per dataset',
  'Records rejected per dataset',
  'Consumer backlog per stream and consumer',
  'Dead-letter entries by consumer and state',
  'Node health score',
  'Node routing state',
  'Recovery routing state per node',
  'Node weight',
  'Node ejections',
  'Recovery leader by replica',
  'Latency percentiles by model and version',
  'Canary share by version',
  'Drift PSI by feature',
  'SLO burn rate',
];

const legendLabels = (legend = '') => [...legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]);

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(
    readFileSync(join(REPO_ROOT, 'deploy/grafana/keelson.json'), 'utf8'),
  ) as { schemaVersion: number; uid: string; panels: Panel[]; templating: { list: Variable[] } };
  // Collapsed rows hold their panels inside them.
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const queryPanels = panels.filter((p) => p.type !== 'row');
  const variables = dashboard.templating.list;
  const targetLabels = scrapeTargetLabels();
  const known = new Map([...exportedSeries(), ['up', targetLabels]]);

  it('is a Grafana 10/11 dashboard on the DS_PROMETHEUS datasource variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('keelson');
    expect(variables).toContainEqual(
      expect.objectContaining({ type: 'datasource', name: 'DS_PROMETHEUS', query: 'prometheus' }),
    );
    for (const panel of queryPanels) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({
        panel: panel.title,
        datasource: DATASOURCE,
      });
      for (const target of panel.targets ?? []) expect(target.datasource).toEqual(DATASOURCE);
    }
  });

  it('gives every panel a unique id and a title, and every panel but a row a query', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(panels.filter((p) => !p.title?.trim()).map((p) => p.id)).toEqual([]);
    const withoutQuery = queryPanels.filter(
      (p) => (p.targets ?? []).length === 0 || p.targets!.some((t) => !t.expr?.trim()),
    );
    expect(withoutQuery.map((p) => p.title)).toEqual([]);
    for (const { targets } of queryPanels)
      expect(new Set(targets!.map((t) => t.refId)).size).toBe(targets!.length);
  });

  it('has the panels the issue asks for', () => {
    expect(panels.map((p) => p.title)).toEqual(expect.arrayContaining(REQUIRED_PANELS));
  });

  it('queries only metrics and labels the services export, and prints only labels they have', () => {
    const problems = queryPanels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((t) =>
        unknownReferences(t.expr!, known, targetLabels, legendLabels(t.legendFormat)).map(
          (problem) => `${panel.title} (${t.refId}): ${problem}`,
        ),
      ),
    );
    for (const variable of variables.filter((v) => v.type === 'query')) {
      // label_values(<selector>, <label>): the label must be one the selector's metric has.
      const [, selector, label] = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.query) ?? [];
      if (!selector) problems.push(`variable ${variable.name}: not label_values(selector, label)`);
      else
        problems.push(
          ...unknownReferences(selector, known, targetLabels, [label]).map(
            (problem) => `variable ${variable.name}: ${problem}`,
          ),
        );
    }
    expect(problems).toEqual([]);
    expect(queryPanels.length).toBeGreaterThanOrEqual(REQUIRED_PANELS.length);
  });

  it('is checked against a scan that finds the metrics and labels the code declares', () => {
    const metrics = exportedMetrics();
    expect(metrics.size).toBeGreaterThan(20);
    expect(metrics.get('keelson_ingested_records_total')).toMatchObject({
      type: 'counter',
      labels: ['dataset', 'outcome', 'via'],
    });
    expect(metrics.get('keelson_gateway_node_routable')?.labels).toEqual(['node']);
    expect(known.get('keelson_gateway_request_duration_seconds_bucket')).toEqual(
      expect.arrayContaining(['model', 'version', 'le']),
    );
    // And the check refuses what does not exist.
    const check = (expr: string, used: string[] = []) =>
      unknownReferences(expr, known, targetLabels, used);
    expect(check('rate(keelson_made_up_total[5m])')).toEqual([
      'keelson_made_up_total is not exported',
    ]);
    expect(check('keelson_ingested_records_total{outcom="rejected"}')).toEqual([
      'keelson_ingested_records_total has no label outcom',
    ]);
    expect(check('sum by (model) (keelson_ingested_records_total)')).toEqual([
      'no metric in the expression has label model',
    ]);
    expect(check('sum(keelson_ingested_records_total)', ['datset'])).toEqual([
      'no metric in the expression has label datset',
    ]);
  });
});
