import { type DynamicModule, Module } from '@nestjs/common';
import type { Connection } from 'mongoose';

/** Injection token for the app's mongoose connection. */
export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');

type RepositoryClass = new (connection: Connection) => unknown;

/**
 * Provides an app's repositories over one connection. The connection is opened (with retry) in
 * main.ts before Nest boots, and closed there after the app has shut down.
 */
@Module({})
export class PersistenceModule {
  static forRoot(connection: Connection, repositories: RepositoryClass[]): DynamicModule {
    const providers = [
      { provide: MONGO_CONNECTION, useValue: connection },
      ...repositories.map((R) => ({ provide: R, useValue: new R(connection) })),
    ];
    return {
      module: PersistenceModule,
      global: true,
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}
