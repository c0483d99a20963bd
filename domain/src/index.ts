export * from './roles.ts';
export * from './money.ts';
export * from './processes.ts';
export * from './abilities.ts';
export * from './users.ts';
export * from './auth.ts';
export * from './suppliers.ts';
export * from './api.ts';
