// The Nest adapter, apart from the Nest-free core in `@keelson/config` so that loading the
// configuration in main.ts does not load Nest before tracing starts.
export * from './config.module';
