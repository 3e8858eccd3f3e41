export * from './common-settings';
export * from './config.module';
export * from './define-config';
export * from './settings';
