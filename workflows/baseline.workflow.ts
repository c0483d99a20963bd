import { condition, defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';

/**
 * An empty process: it waits for its Updates (one unless told more) and ends.
 * The test harness proves the engine round trip with it, and the throughput
 * benchmark uses it as the bare-Temporal baseline: a start and as many
 * Updates as a requisition chain has decisions, no activities.
 */
export const completeBaseline = defineUpdate<{ completedBy: string }, [{ by: string }]>('completeBaseline');
export const baselineState = defineQuery<{ completed: boolean; completedBy: string | null }>('baselineState');

export async function baselineWorkflow(options: { updates?: number } = {}): Promise<{ completedBy: string }> {
  const needed = options.updates ?? 1;
  const completions: string[] = [];
  const completed = () => completions.length >= needed;
  setHandler(baselineState, () => ({ completed: completed(), completedBy: completions.at(-1) ?? null }));
  setHandler(
    completeBaseline,
    ({ by }) => {
      completions.push(by);
      return { completedBy: by };
    },
    {
      validator: ({ by }) => {
        if (completed()) throw new Error('already completed');
        if (!by) throw new Error('by is required');
      },
    },
  );
  await condition(completed);
  return { completedBy: completions.at(-1)! };
}
