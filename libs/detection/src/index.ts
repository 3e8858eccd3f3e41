// Detection: pure functions and small stateful classes, arrays in and verdicts out. Nothing here
// does I/O or imports messaging or persistence, so every detector is unit-testable on plain data
// (ARCHITECTURE.md, "Watching and healing").
export * from './anomaly';
export * from './drift';
export * from './forecast';
export * from './slo';
export * from './health';
