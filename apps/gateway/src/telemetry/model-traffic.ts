import { GATEWAY_LATENCY_BUCKETS_MS, type GatewayModelTraffic } from '@keelson/schemas';

export type RequestOutcome = 'ok' | 'client_error' | 'server_error';

interface Counts {
  requests: number;
  serverErrors: number;
  clientErrors: number;
  /** Cumulative: [i] counts requests at or under GATEWAY_LATENCY_BUCKETS_MS[i]; the last is all. */
  buckets: number[];
}

/**
 * Each model's requests through this gateway since it started, by outcome, with a cumulative
 * latency histogram: what monitoring computes availability and latency SLOs from. Counters only
 * grow (a lost heartbeat loses nothing); `model` is bounded by the caller (`_unknown` for names
 * nobody serves).
 */
export class ModelTraffic {
  private readonly models = new Map<string, Counts>();

  record(model: string, outcome: RequestOutcome, ms: number): void {
    let counts = this.models.get(model);
    if (!counts) {
      counts = {
        requests: 0,
        serverErrors: 0,
        clientErrors: 0,
        buckets: new Array<number>(GATEWAY_LATENCY_BUCKETS_MS.length + 1).fill(0),
      };
      this.models.set(model, counts);
    }
    counts.requests++;
    if (outcome === 'server_error') counts.serverErrors++;
    else if (outcome === 'client_error') counts.clientErrors++;
    for (let i = GATEWAY_LATENCY_BUCKETS_MS.length - 1; i >= 0; i--) {
      if (ms > GATEWAY_LATENCY_BUCKETS_MS[i]) break;
      counts.buckets[i]++;
    }
    counts.buckets[GATEWAY_LATENCY_BUCKETS_MS.length]++;
  }

  snapshot(): GatewayModelTraffic[] {
    return [...this.models].map(([model, c]) => ({
      model,
      requests: c.requests,
      serverErrors: c.serverErrors,
      clientErrors: c.clientErrors,
      latencyBuckets: [...c.buckets],
    }));
  }
}
