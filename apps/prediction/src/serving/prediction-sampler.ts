import { EventPublisher } from '@keelson/messaging';
import type { Tensor } from '@keelson/inference';
import { PredictionSampled } from '@keelson/schemas';

/** Values as JSON can carry them: bigints become numbers when exact, strings otherwise. */
function plain(tensor: Tensor): unknown[] {
  return Array.from(tensor.data as ArrayLike<unknown>, (v) =>
    typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v,
  );
}

/**
 * Publishes a share of the answered requests (inputs and outputs) on `predictions.<model>` for drift
 * monitoring. Sampling is random per request; publishing never delays or fails the answer.
 */
export class PredictionSampler {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly nodeId: string,
    private readonly rate: number,
    private readonly random: () => number = Math.random,
  ) {}

  offer(model: string, version: number, inputs: Tensor[], outputs: Tensor[], latencyMs: number) {
    if (this.rate <= 0 || this.random() >= this.rate) return;
    void this.publisher
      .publish(
        PredictionSampled,
        {
          model,
          version,
          nodeId: this.nodeId,
          inputs: Object.fromEntries(inputs.map((t) => [t.name, plain(t)])),
          outputs: Object.fromEntries(outputs.map((t) => [t.name, plain(t)])),
          latencyMs,
        },
        { subject: model },
      )
      .catch(() => undefined); // a lost sample is a smaller sample, not an error
  }
}
