import { type DynamicModule, Module } from '@nestjs/common';

/** Injection token for an app's loaded configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Makes the configuration an app loaded once at start-up injectable everywhere
 * (`@Inject(APP_CONFIG) config: IngestionConfig`). Loading happens in main.ts, before Nest boots,
 * so a bad variable stops the process with a readable message instead of a DI stack trace.
 */
@Module({})
export class KeelsonConfigModule {
  static forRoot(config: object): DynamicModule {
    return {
      module: KeelsonConfigModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
