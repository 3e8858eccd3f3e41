export * from './common-settings';
export * from './define-config';
export * from './settings';
