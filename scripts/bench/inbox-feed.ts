import type { BenchStack } from './stack.ts';
import { sleep } from './support.ts';

interface Waiter {
  resolve: (taskId: string) => void;
}

/**
 * One person's live inbox, as the web app keeps it: the SSE stream
 * (`/tasks/events`) says a task arrived, one GET reads it. Chains wait here
 * for their next task by requisition instead of polling the list. A task
 * whose event was missed is found by a slow fallback poll.
 */
export async function openInboxFeed(stack: BenchStack, token: string, onRequest: (ms: number) => void) {
  const arrived = new Map<string, string>();
  const waiting = new Map<string, Waiter>();
  const controller = new AbortController();
  const deliver = (subjectId: string, taskId: string) => {
    const waiter = waiting.get(subjectId);
    if (waiter) {
      waiting.delete(subjectId);
      waiter.resolve(taskId);
    } else {
      arrived.set(subjectId, taskId);
    }
  };
  const read = async (taskId: string) => {
    const started = performance.now();
    const answer = await stack.fetchJson('GET', `/tasks/${taskId}`, token);
    onRequest(performance.now() - started);
    if (answer.status === 200 && answer.body.status === 'open') deliver(answer.body.subjectId as string, taskId);
  };

  const response = await fetch(`${stack.apiUrl}/tasks/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`task events answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let ready: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const pump = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'ready') ready();
        if (event === 'task' && data) {
          const { type, taskId } = JSON.parse(data) as { type: string; taskId: string };
          if (type === 'created' || type === 'assigned') void read(taskId);
        }
      }
    }
  })();
  await readyPromise;

  return {
    /** The open task of this requisition in this person's inbox, as soon as it arrives. */
    next: (subjectId: string): Promise<string> => {
      const known = arrived.get(subjectId);
      if (known) {
        arrived.delete(subjectId);
        return Promise.resolve(known);
      }
      return new Promise<string>((resolve, reject) => {
        waiting.set(subjectId, { resolve });
        void (async () => {
          // Fallback for a missed event: look at the list now and then.
          for (let attempt = 0; attempt < 120 && waiting.has(subjectId); attempt += 1) {
            await sleep(2000);
            if (!waiting.has(subjectId)) return;
            const items = (await stack.fetchJson('GET', `/tasks?subjectId=${subjectId}`, token)).body.items as { id: string }[] | undefined;
            if (items?.[0]) return deliver(subjectId, items[0].id);
          }
          if (waiting.delete(subjectId)) reject(new Error(`no task for ${subjectId}`));
        })();
      });
    },
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}
