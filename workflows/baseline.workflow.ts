import { condition, defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';

/**
 * An empty process: it waits for one Update and ends. The test harness proves
 * the engine round trip with it, and the throughput benchmark uses it as the
 * bare-Temporal baseline (a start and an Update, no activities).
 */
export const completeBaseline = defineUpdate<{ completedBy: string }, [{ by: string }]>('completeBaseline');
export const baselineState = defineQuery<{ completed: boolean; completedBy: string | null }>('baselineState');

export async function baselineWorkflow(): Promise<{ completedBy: string }> {
  let completedBy: string | null = null;
  setHandler(baselineState, () => ({ completed: completedBy !== null, completedBy }));
  setHandler(
    completeBaseline,
    ({ by }) => {
      completedBy = by;
      return { completedBy: by };
    },
    {
      validator: ({ by }) => {
        if (completedBy !== null) throw new Error('already completed');
        if (!by) throw new Error('by is required');
      },
    },
  );
  await condition(() => completedBy !== null);
  return { completedBy: completedBy! };
}
