// Healing: recovery's decisions as pure code (facts in, actions out): the node routing state
// machine with its pool cap, backoff and slow start, and the dead-letter rules. No I/O.
export * from './routing/routing-planner';
export * from './dlq/error-fingerprint';
