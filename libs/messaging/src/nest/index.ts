// The Nest adapters, apart from the Nest-free core in `@keelson/messaging` so that connecting,
// publishing and running consumers never load Nest (nor do scripts and tests that only need those).
export * from './jetstream.transport';
export * from './messaging.module';
export * from './rpc-pass-through.filter';
