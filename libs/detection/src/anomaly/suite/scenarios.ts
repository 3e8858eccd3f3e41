import {
  addSpan,
  freeze,
  label,
  missBatches,
  placeIncidents,
  ramp,
  scaleNoise,
  scaleSpan,
  shiftLevel,
  type SeriesCanvas,
} from './anomaly-injection';
import type { BackgroundName } from './series-shapes';
import type { SeededRandom } from './seeded-random';
import { min } from '../math';

export type ScenarioFamily =
  | 'clean'
  | 'spike-dip'
  | 'level-shift'
  | 'variance'
  | 'trend'
  | 'stuck'
  | 'burst'
  | 'outage'
  | 'pattern';

export interface ScenarioDefinition {
  name: string;
  family: ScenarioFamily;
  background: BackgroundName;
  /** Drop about 1% of points and one two-hour stretch, as a flaky scrape would. */
  gaps?: boolean;
  inject(canvas: SeriesCanvas, random: SeededRandom): void;
}

const sigma = (c: SeriesCanvas) => c.background.noiseSigma;

function spikes(c: SeriesCanvas, r: SeededRandom, count: number, signs: 'up' | 'down' | 'both') {
  for (const at of placeIncidents(c, r, count, 3, 144)) {
    const width = r.integer(1, 2);
    const sign = signs === 'up' ? 1 : signs === 'down' ? -1 : r.sign();
    addSpan(c, at, at + width - 1, sign * r.between(5, 9) * sigma(c));
    label(c, at, at + width - 1, sign > 0 ? 'spike' : 'dip');
  }
}

function episodes(
  c: SeriesCanvas,
  r: SeededRandom,
  count: number,
  [minLength, maxLength]: [number, number],
  apply: (start: number, end: number) => void,
) {
  for (const at of placeIncidents(c, r, count, maxLength))
    apply(at, at + r.integer(minLength, maxLength) - 1);
}

const scaled =
  (c: SeriesCanvas, r: SeededRandom, range: [number, number], kind: 'burst' | 'outage') =>
  (start: number, end: number) => {
    scaleSpan(c, start, end, r.between(...range));
    label(c, start, end, kind);
  };

/** The labelled suite: every shape the issue names, on the series an operator watches. */
export const ANOMALY_SCENARIOS: readonly ScenarioDefinition[] = [
  { name: 'flat-clean', family: 'clean', background: 'flat', inject: () => undefined },
  {
    name: 'flat-spikes',
    family: 'spike-dip',
    background: 'flat',
    inject: (c, r) => spikes(c, r, 3, 'up'),
  },
  {
    name: 'flat-dips',
    family: 'spike-dip',
    background: 'flat',
    inject: (c, r) => spikes(c, r, 3, 'down'),
  },
  {
    name: 'flat-level-shift',
    family: 'level-shift',
    background: 'flat',
    inject: (c, r) => {
      for (const at of placeIncidents(c, r, 2, 24, 576))
        shiftLevel(c, at, r.sign() * r.between(4, 7) * sigma(c));
    },
  },
  {
    name: 'flat-variance',
    family: 'variance',
    background: 'flat',
    inject: (c, r) => episodes(c, r, 2, [48, 96], (s, e) => scaleNoise(c, s, e, r.between(3, 4))),
  },
  {
    name: 'flat-trend',
    family: 'trend',
    background: 'flat',
    inject: (c, r) => {
      const length = r.integer(36, 72);
      ramp(
        c,
        placeIncidents(c, r, 1, length)[0],
        length,
        r.sign() * r.between(8, 12) * sigma(c),
        true,
      );
    },
  },
  {
    name: 'flat-stuck',
    family: 'stuck',
    background: 'flat',
    inject: (c, r) => episodes(c, r, 2, [12, 48], (s, e) => freeze(c, s, e)),
  },
  { name: 'seasonal-clean', family: 'clean', background: 'seasonal', inject: () => undefined },
  {
    name: 'seasonal-spikes',
    family: 'spike-dip',
    background: 'seasonal',
    gaps: true,
    inject: (c, r) => spikes(c, r, 4, 'both'),
  },
  {
    name: 'seasonal-level-shift',
    family: 'level-shift',
    background: 'seasonal',
    inject: (c, r) => {
      for (const at of placeIncidents(c, r, 2, 24, 576))
        shiftLevel(c, at, r.sign() * r.between(4, 7) * sigma(c));
    },
  },
  {
    name: 'seasonal-variance',
    family: 'variance',
    background: 'seasonal',
    inject: (c, r) => episodes(c, r, 2, [48, 96], (s, e) => scaleNoise(c, s, e, r.between(3, 4))),
  },
  {
    name: 'seasonal-stuck',
    family: 'stuck',
    background: 'seasonal',
    inject: (c, r) => episodes(c, r, 2, [12, 36], (s, e) => freeze(c, s, e)),
  },
  {
    name: 'seasonal-trend',
    family: 'trend',
    background: 'seasonal',
    inject: (c, r) => {
      const length = r.integer(48, 96);
      ramp(
        c,
        placeIncidents(c, r, 1, length)[0],
        length,
        r.sign() * r.between(8, 12) * sigma(c),
        true,
      );
    },
  },
  {
    name: 'requests-clean',
    family: 'clean',
    background: 'requests',
    gaps: true,
    inject: () => undefined,
  },
  {
    name: 'requests-outage',
    family: 'outage',
    background: 'requests',
    inject: (c, r) => episodes(c, r, 2, [4, 12], scaled(c, r, [0.05, 0.4], 'outage')),
  },
  {
    name: 'requests-surge',
    family: 'burst',
    background: 'requests',
    inject: (c, r) => episodes(c, r, 2, [6, 18], scaled(c, r, [1.6, 2.5], 'burst')),
  },
  {
    name: 'requests-level-shift',
    family: 'level-shift',
    background: 'requests',
    inject: (c, r) => {
      const [at] = placeIncidents(c, r, 1, 24);
      shiftLevel(c, at, r.uniform() < 0.5 ? r.between(0.6, 0.75) : r.between(1.3, 1.5));
    },
  },
  {
    name: 'requests-stuck',
    family: 'stuck',
    background: 'requests',
    inject: (c, r) => episodes(c, r, 2, [12, 36], (s, e) => freeze(c, s, e)),
  },
  { name: 'errors-clean', family: 'clean', background: 'errors', inject: () => undefined },
  {
    name: 'errors-bursts',
    family: 'burst',
    background: 'errors',
    inject: (c, r) => episodes(c, r, 3, [2, 8], scaled(c, r, [8, 20], 'burst')),
  },
  {
    name: 'errors-level-shift',
    family: 'level-shift',
    background: 'errors',
    inject: (c, r) => shiftLevel(c, placeIncidents(c, r, 1, 24)[0], r.between(3, 5)),
  },
  { name: 'latency-clean', family: 'clean', background: 'latency', inject: () => undefined },
  {
    name: 'latency-degradation',
    family: 'burst',
    background: 'latency',
    inject: (c, r) => episodes(c, r, 2, [8, 18], scaled(c, r, [1.5, 2], 'burst')),
  },
  {
    name: 'latency-creep',
    family: 'trend',
    background: 'latency',
    inject: (c, r) => {
      const length = r.integer(36, 60);
      ramp(c, placeIncidents(c, r, 1, length)[0], length, r.between(1.8, 2.4), false);
    },
  },
  {
    name: 'latency-spikes',
    family: 'spike-dip',
    background: 'latency',
    inject: (c, r) => {
      for (const at of placeIncidents(c, r, 3, 3, 144)) {
        scaleSpan(c, at, at, r.between(5, 8));
        label(c, at, at, 'spike');
      }
    },
  },
  {
    name: 'dead-letters-clean',
    family: 'clean',
    background: 'dead-letters',
    inject: () => undefined,
  },
  {
    name: 'dead-letters-bursts',
    family: 'burst',
    background: 'dead-letters',
    inject: (c, r) => episodes(c, r, 2, [3, 9], scaled(c, r, [30, 80], 'burst')),
  },
  {
    name: 'ingest-outage',
    family: 'outage',
    background: 'ingest',
    inject: (c, r) => episodes(c, r, 2, [12, 36], scaled(c, r, [0, 0], 'outage')),
  },
  {
    name: 'ingest-level-shift',
    family: 'level-shift',
    background: 'ingest',
    inject: (c, r) => {
      const [at] = placeIncidents(c, r, 1, 24);
      shiftLevel(c, at, r.uniform() < 0.5 ? r.between(0.6, 0.75) : r.between(1.3, 1.5));
    },
  },
  { name: 'batches-clean', family: 'clean', background: 'batches', inject: () => undefined },
  {
    name: 'batches-missed',
    family: 'pattern',
    background: 'batches',
    inject: (c, r) => {
      const trickle = min(...c.background.signal);
      for (const at of placeIncidents(c, r, 2, 9)) missBatches(c, at, r.integer(1, 3), trickle);
    },
  },
  { name: 'rejections-clean', family: 'clean', background: 'rejections', inject: () => undefined },
  {
    name: 'rejections-burst',
    family: 'burst',
    background: 'rejections',
    inject: (c, r) => episodes(c, r, 2, [6, 24], scaled(c, r, [5, 10], 'burst')),
  },
];
