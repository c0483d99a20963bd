/**
 * The registry with every process's kinds loaded: import this (not
 * task-kinds.ts) to look a kind up. Zod-free, so workflows and the browser
 * may import it. A new process adds one import line here.
 */
import './requisition-task-kinds.ts';
import './purchase-order-task-kinds.ts';
import './invoice-task-kinds.ts';
import './retention-task-kinds.ts';
import './personal-data-task-kinds.ts';

export * from './task-kinds.ts';
