import { replicasFor } from './provisioning';

describe('replicas at provisioning', () => {
  it.each([
    [1, undefined, 1], // a new stream gets what is asked
    [3, undefined, 3],
    [3, 1, 3], // a production deploy raises a dev stream
    [1, 3, 3], // a process without NATS_STREAM_REPLICAS never lowers an R3 stream
    [3, 5, 5],
  ])('asked %p with %p now: %p', (asked, current, expected) => {
    expect(replicasFor(asked, current)).toBe(expected);
  });
});
