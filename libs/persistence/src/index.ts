export * from './connection';
export * from './processed-event.repository';
export * from './repository';
