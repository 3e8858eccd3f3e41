import type { AlarmEventMetrics } from '../evaluation/event-scoring';
import { SUITE_DETECTOR_NAMES, type DetectorSuiteResult, type DetectorSuiteRow } from './run-suite';
import { max } from '../math';

const pct = (x: number | null) => (x === null ? '—' : (100 * x).toFixed(0));
const delay = (m: AlarmEventMetrics) =>
  m.meanDelayPoints === null
    ? '—'
    : `${m.meanDelayPoints.toFixed(1)} (${((m.meanDelayMs ?? 0) / 60_000).toFixed(0)}m)`;

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, k) => max(h.length, ...body.map((line) => line[k].length)));
  const render = (line: string[]) => `| ${line.map((c, k) => c.padEnd(widths[k])).join(' | ')} |`;
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...body.map(render)];
}

function find(
  rows: DetectorSuiteRow[],
  group: DetectorSuiteRow['group'],
  name: string,
  detector: string,
) {
  const row = rows.find((r) => r.group === group && r.name === name && r.detector === detector);
  if (!row) throw new Error(`no ${detector} row for ${group} ${name}`);
  return row.metrics;
}

function names(rows: DetectorSuiteRow[], group: DetectorSuiteRow['group']): string[] {
  return [...new Set(rows.filter((r) => r.group === group).map((r) => r.name))];
}

/**
 * The suite's figures as Markdown tables. First, one row per family, per background and overall
 * (and per scenario with `scenarios: true`), both detectors side by side at their own thresholds:
 * precision, recall and F1 in %, mean detection delay in points (and minutes), false-alarm events
 * (FA). Then the false alarms per family and background with the baseline at the platform
 * detector's recall.
 */
export function formatDetectorSuite(
  result: DetectorSuiteResult,
  options: { scenarios?: boolean } = {},
): string {
  const groups: DetectorSuiteRow['group'][] = options.scenarios
    ? ['scenario', 'family', 'background', 'overall']
    : ['family', 'background', 'overall'];
  const header = ['group', 'name', 'windows'];
  for (const d of SUITE_DETECTOR_NAMES)
    header.push(`${d} P`, `${d} R`, `${d} F1`, `${d} delay`, `${d} FA`);
  const body: string[][] = [];
  for (const group of groups) {
    for (const name of names(result.rows, group)) {
      const line = [group, name, String(find(result.rows, group, name, 'keelson').windows)];
      for (const d of SUITE_DETECTOR_NAMES) {
        const m = find(result.rows, group, name, d);
        line.push(pct(m.precision), pct(m.recall), pct(m.f1), delay(m), String(m.falseAlarms));
      }
      body.push(line);
    }
  }

  const matched = result.matchedRecall;
  const equalHeader = ['group', 'name', 'keelson R', 'keelson FA', 'zscore R', 'zscore FA'];
  const equalGroups: DetectorSuiteRow['group'][] = ['family', 'background', 'overall'];
  const equalBody = equalGroups.flatMap((group) =>
    names(result.rows, group).map((name) => {
      const k = find(result.rows, group, name, 'keelson');
      const z = find(matched.rows, group, name, 'zscore');
      return [
        group,
        name,
        pct(k.recall),
        String(k.falseAlarms),
        pct(z.recall),
        String(z.falseAlarms),
      ];
    }),
  );

  const { thresholds, seeds } = result;
  return [
    `Held-out seeds ${seeds.heldOut.join(', ')}, thresholds chosen on seeds ${seeds.tuning.join(', ')}; ` +
      `${result.series} held-out series; alarm cooldown ${result.cooldownPoints} points.`,
    `Thresholds: keelson ${thresholds.keelson}, zscore ${thresholds.zscore} (window ${result.baselineWindow} points).`,
    '',
    ...table(header, body),
    '',
    `At equal recall: zscore at threshold ${matched.threshold}, its highest with at least keelson's tuning recall.`,
    '',
    ...table(equalHeader, equalBody),
  ].join('\n');
}
