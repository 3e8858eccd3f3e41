import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  exportedMetrics,
  exportedSeries,
  promqlReferences,
  REPO_ROOT,
  scrapeTargetLabels,
  unknownReferences,
} from './exported-metrics';

// The alert rules (deploy/prometheus/keelson-rules.yaml): valid for promtool, each alert proven by
// its unit tests to fire and to stay quiet, and every expression reading what the code exports.

const RULES_DIR = join(REPO_ROOT, 'deploy/prometheus');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alertname: string;
  exp_alerts: unknown[];
}

const readYaml = (file: string) => parse(readFileSync(join(RULES_DIR, file), 'utf8'));
const rules: Rule[] = readYaml('keelson-rules.yaml').groups.flatMap(
  (g: { rules: Rule[] }) => g.rules,
);
const alerts = rules.filter((r) => r.alert);
const ruleTests: RuleTest[] = readYaml('keelson-rules.test.yaml').tests.flatMap(
  (t: { alert_rule_test?: RuleTest[] }) => t.alert_rule_test ?? [],
);

describe('the Prometheus alert rules', () => {
  let promtool: string;
  beforeAll(() => {
    // Built from the Go module proxy on first use, which takes many minutes.
    promtool = execFileSync('tools/infra/tool.sh', ['promtool'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
  }, 1_200_000);

  /** promtool's exit code and output: on failure, jest prints all of what promtool said. */
  const runPromtool = (...args: string[]) => {
    const run = spawnSync(promtool, args, { cwd: RULES_DIR, encoding: 'utf8' });
    return `exit code ${run.status}\n${run.stdout}${run.stderr}`;
  };

  it('pass promtool check rules', () => {
    const check = runPromtool('check', 'rules', 'keelson-rules.yaml');
    expect(check).toMatch(/^exit code 0\n/);
    expect(check).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass their promtool unit tests', () => {
    const test = runPromtool('test', 'rules', 'keelson-rules.test.yaml');
    expect(test).toMatch(/^exit code 0\n/);
    expect(test).toContain('SUCCESS');
  });

  it('load with the scrape configuration that gives series their target labels', () => {
    expect(runPromtool('check', 'config', 'prometheus.yml')).toMatch(/^exit code 0\n/);
  });

  it('have unit tests in which each alert fires and stays quiet', () => {
    const names = alerts.map((a) => a.alert!);
    expect(names.length).toBeGreaterThanOrEqual(10);
    // promtool accepts a test of an alert the rules do not have: it expects nothing and passes.
    expect(ruleTests.map((t) => t.alertname).filter((n) => !names.includes(n))).toEqual([]);
    const cases = (name: string, firing: boolean) =>
      ruleTests.filter((t) => t.alertname === name && t.exp_alerts.length > 0 === firing).length;
    const untested = names.filter((name) => cases(name, true) === 0 || cases(name, false) === 0);
    expect(untested).toEqual([]);
  });

  it('give each alert a severity, a summary, a description and a for', () => {
    const incomplete = alerts.filter(
      (a) =>
        !['critical', 'warning'].includes(a.labels?.severity ?? '') ||
        !a.annotations?.summary ||
        !a.annotations?.description ||
        !/^\d+[smh]$/.test(a.for ?? ''),
    );
    expect(incomplete.map((a) => a.alert)).toEqual([]);
  });

  it('read only metrics and labels the services export', () => {
    const targetLabels = scrapeTargetLabels();
    const known = new Map([
      ...exportedSeries(),
      ['up', targetLabels],
      ['ALERTS', ['alertname', 'alertstate', 'severity']],
    ]);
    // A recording rule's series has the labels of what it reads.
    for (const rule of rules.filter((r) => r.record)) {
      const read = promqlReferences(rule.expr).selectors.map((s) => known.get(s.metric ?? ''));
      known.set(rule.record!, [...new Set([...targetLabels, ...read.flatMap((l) => l ?? [])])]);
    }
    const problems = rules.flatMap((rule) => {
      const printed = Object.values(rule.annotations ?? {}).flatMap((text) =>
        [...text.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]),
      );
      return unknownReferences(rule.expr, known, targetLabels, printed).map(
        (problem) => `${rule.alert ?? rule.record}: ${problem}`,
      );
    });
    expect(problems).toEqual([]);
  });

  it('are checked against a scan that finds the metrics the code declares', () => {
    const metrics = exportedMetrics();
    expect(metrics.size).toBeGreaterThan(20);
    expect(metrics.get('keelson_monitoring_slo_burn_rate')).toMatchObject({
      type: 'gauge',
      labels: ['model', 'slo', 'window'],
    });
    // Recovery's gauges come from a helper of its own, like monitoring's.
    expect(metrics.get('keelson_recovery_dlq_entries')).toMatchObject({
      type: 'gauge',
      labels: ['consumer', 'state', 'stream'],
      definedIn: 'apps/recovery/src/metrics/recovery-metrics.ts',
    });
    expect(metrics.get('keelson_recovery_leader')).toMatchObject({ type: 'gauge', labels: [] });
    expect(
      unknownReferences(
        'keelson_monitoring_slo_burn_rate{windw="1h"} > 1',
        new Map(exportedSeries()),
        [],
      ),
    ).toEqual(['keelson_monitoring_slo_burn_rate has no label windw']);
  });
});
