export * from './users.ts';
export * from './auth.ts';
export * from './reference.ts';
export * from './audit.ts';
export * from './idempotency.ts';
export * from './requisitions.ts';
export * from './tasks.ts';
export * from './mail.ts';
