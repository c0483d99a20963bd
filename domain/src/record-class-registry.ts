/**
 * The registry with every process's record classes loaded: import this (not
 * record-classes.ts) to look a class up. Zod-free. A new process adds one
 * import line here.
 */
import './retention-record-classes.ts';

export * from './record-classes.ts';
