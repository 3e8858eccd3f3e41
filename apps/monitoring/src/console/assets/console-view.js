// Pure helpers of the console page (no DOM): how old a time is, whether a feed is live, and how
// a figure reads. Unit-tested in ../console-page.spec.ts.

/** "3s", "4m", "2h", "5d" since `iso` (or until it, for a time in the future: "in 12s"). */
export function ago(iso, now) {
  if (!iso) return '';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const s = Math.round(Math.abs(ms) / 1000);
  const text =
    s < 90
      ? `${s}s`
      : s < 5400
        ? `${Math.round(s / 60)}m`
        : s < 129600
          ? `${Math.round(s / 3600)}h`
          : `${Math.round(s / 86400)}d`;
  return ms < 0 ? `in ${text}` : text;
}

/**
 * A feed's state for the header: `live` while its last answer is fresh, `stale` once three polls
 * were missed, `failing` while its last fetch failed (with why), `waiting` before any answer.
 */
export function feedStatus(feed, now, intervalMs) {
  if (feed.error && (!feed.okAt || feed.errorAt >= feed.okAt))
    return {
      state: feed.okAt ? 'failing' : 'waiting',
      text: feed.error,
      ageMs: feed.okAt ? now - feed.okAt : null,
    };
  if (!feed.okAt) return { state: 'waiting', text: 'loading', ageMs: null };
  const ageMs = now - feed.okAt;
  return { state: ageMs > 3 * intervalMs ? 'stale' : 'live', text: '', ageMs };
}

/** The header line of a feed. */
export function feedLine(name, status) {
  const age = status.ageMs === null ? '' : `updated ${Math.round(status.ageMs / 1000)}s ago`;
  if (status.state === 'live') return `${name}: live, ${age}`;
  if (status.state === 'stale') return `${name}: STALE, ${age}`;
  if (status.state === 'failing') return `${name}: FAILING (${status.text}), data ${age}`;
  return `${name}: ${status.text}`;
}

/** 0.25 -> "25%"; null -> "". */
export function percent(share) {
  return share === null || share === undefined ? '' : `${Math.round(share * 1000) / 10}%`;
}

/** A number with at most `digits` decimals; null -> "". */
export function num(value, digits = 2) {
  return value === null || value === undefined
    ? ''
    : String(Math.round(value * 10 ** digits) / 10 ** digits);
}

/** The link of a trace in the Jaeger UI, or null when no Jaeger is configured. */
export function traceUrl(jaegerUrl, traceId) {
  return jaegerUrl ? `${jaegerUrl}/trace/${encodeURIComponent(traceId)}` : null;
}

/** Why a failed call failed, in words an operator acts on. */
export function failureText(status, body) {
  const said = body && typeof body.error === 'string' ? `: ${body.error}` : '';
  if (status === 401) return `the key is not accepted${said}`;
  if (status === 403) return `the key lacks a scope${said}`;
  if (status === 502) return `recovery failed${said}`;
  if (status === 503) return `unavailable${said}`;
  return `HTTP ${status}${said}`;
}
