import type { PromotionMetric } from '../config';

const LOWER_IS_BETTER: ReadonlySet<PromotionMetric> = new Set(['logLoss', 'brier']);

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

/**
 * A candidate replaces production when it beats production's score on the same holdout rows by at
 * least `margin` on `metric`; with no production (or none that can be scored) it becomes the first.
 */
export function decidePromotion(options: {
  metric: PromotionMetric;
  margin: number;
  candidate: Partial<Record<string, number>>;
  production?: { version: number; scores?: Partial<Record<string, number>> };
}): PromotionDecision {
  const { metric, margin, candidate, production } = options;
  const mine = candidate[metric];
  if (mine === undefined || !Number.isFinite(mine))
    return { promote: false, reason: `the candidate has no ${metric} score` };
  if (!production) return { promote: true, reason: `first version: ${metric} ${fmt(mine)}` };
  const theirs = production.scores?.[metric];
  if (theirs === undefined || !Number.isFinite(theirs))
    return {
      promote: false,
      reason: `production v${production.version} cannot be scored on ${metric}; promote by hand`,
    };
  const gain = LOWER_IS_BETTER.has(metric) ? theirs - mine : mine - theirs;
  const versus = `${metric} ${fmt(mine)} vs production v${production.version} ${fmt(theirs)} on the same holdout`;
  return gain >= margin
    ? { promote: true, reason: `${versus}: better by ${fmt(gain)} (margin ${margin})` }
    : { promote: false, reason: `${versus}: not better by the margin ${margin}` };
}

const fmt = (n: number) => n.toFixed(4);
