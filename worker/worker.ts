import { fileURLToPath } from 'node:url';
import type { NativeConnection} from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { SubjectAdapters } from '../activities/human-tasks.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerParams {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build it once per run; production may ship one). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Another workflows module to bundle (one that re-exports ours beside a test's own process). */
  workflowsPath?: string;
  maxConcurrentActivityTaskExecutions?: number;
  /** More activities and subject adapters beside the product's (a process defined in a test). */
  extend?: { activities?: Record<string, (...args: never[]) => Promise<unknown>>; subjects?: SubjectAdapters };
}

export function createWorker(params: CreateWorkerParams): Promise<Worker> {
  return Worker.create({
    connection: params.connection,
    namespace: params.namespace,
    taskQueue: params.taskQueue,
    activities: { ...createActivities(params.deps, params.extend?.subjects), ...params.extend?.activities },
    ...(params.workflowBundle ? { workflowBundle: params.workflowBundle } : { workflowsPath: params.workflowsPath ?? workflowsPath }),
    maxConcurrentActivityTaskExecutions: params.maxConcurrentActivityTaskExecutions ?? 50,
    shutdownGraceTime: '10s',
  });
}
