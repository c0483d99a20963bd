export * from './users.ts';
export * from './auth.ts';
export * from './reference.ts';
export * from './audit.ts';
export * from './idempotency.ts';
