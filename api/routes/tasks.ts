import { z } from '@hono/zod-openapi';
import { completeTaskBody, type DashboardRole, pageOf, paginationQuery, problemSchema, registeredTaskKinds, taskFormFor, taskKindViewSchema, taskNamePattern, taskSchema, taskStatuses, text } from '@p2p/domain';
import { streamSSE } from 'hono/streaming';
import { AppError, problemOf } from '../errors.ts';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { dashboardSectionsMoved } from '../services/dashboard.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const idParam = z.object({ id: z.uuid() });
const completion = z.object({ task: taskSchema, process: z.object({ id: z.string(), status: z.string() }) });

const list = createRoute({
  method: 'get',
  path: '/tasks',
  operationId: 'listTasks',
  tags: ['tasks'],
  summary: "The caller's inbox: open tasks they may complete (theirs, as delegate) or claim (by role), earliest due first",
  request: {
    query: paginationQuery.extend({
      status: z.enum(taskStatuses).default('open'),
      kind: z.string().regex(taskNamePattern).optional().openapi({ description: 'A task kind (GET /tasks/kinds lists them)' }),
      overdue: z.enum(['true', 'false']).optional(),
      /** Only the tasks of one record, e.g. a requisition id. */
      subjectId: z.uuid().optional(),
    }),
  },
  responses: {
    200: {
      ...jsonResponse(pageOf(taskSchema), 'A page of tasks'),
      links: {
        get: { operationId: 'getTask', parameters: { id: '$response.body#/items/0/id' }, description: 'The first task' },
        claim: { operationId: 'claimTask', parameters: { id: '$response.body#/items/0/id' }, description: 'Claim the first task' },
        complete: { operationId: 'completeTask', parameters: { id: '$response.body#/items/0/id' }, description: 'Decide the first task' },
      },
    },
  },
});

const counts = createRoute({
  method: 'get',
  path: '/tasks/counts',
  operationId: 'countTasks',
  tags: ['tasks'],
  summary: 'How many open tasks wait for the caller, and how many are overdue',
  responses: { 200: jsonResponse(z.object({ open: z.int(), overdue: z.int() }), 'Counts') },
});

const events = createRoute({
  method: 'get',
  path: '/tasks/events',
  operationId: 'taskEvents',
  tags: ['tasks'],
  summary:
    'Server-sent events: `ready` once, then `task` whenever a task of the caller appears, changes hands or goes, and `dashboard` when records change that move a section of the caller’s dashboard (at most one a second)',
  responses: {
    200: {
      description:
        'An event stream; each event as schema: `ready` (data `{}`), then `task` (data `{"type":...,"taskId":...}`) and `dashboard` (data `{"sections":[...]}`, the dashboard sections to reload: requester, buyer, accountant, finance_director), numbered ids',
      content: { 'text/event-stream': { schema: z.object({ event: z.enum(['ready', 'task', 'dashboard']), data: z.string(), id: z.string().regex(/^[0-9]+$/).optional() }) } },
    },
  },
});

const kinds = createRoute({
  method: 'get',
  path: '/tasks/kinds',
  operationId: 'listTaskKinds',
  tags: ['tasks'],
  summary: 'The task-kind registry: every kind of step, its process, its actions and which need a comment or form data',
  responses: { 200: jsonResponse(z.object({ items: z.array(taskKindViewSchema) }), 'Every registered kind') },
});

const get = createRoute({
  method: 'get',
  path: '/tasks/{id}',
  operationId: 'getTask',
  tags: ['tasks'],
  summary: 'One task',
  request: { params: idParam },
  responses: { 200: jsonResponse(taskSchema, 'The task') },
});

const complete = createRoute({
  method: 'post',
  path: '/tasks/{id}/complete',
  operationId: 'completeTask',
  tags: ['tasks'],
  summary: 'Decide a task (approve, reject, question, answer, withdraw); the answer carries the new process state',
  description: "409 when the task is no longer open, 403 when the caller may not act on it (including segregation of duties), 422 when the action is not one of the kind's, lacks the comment it needs, or its data does not fit the action's form (GET /tasks/kinds publishes each form).",
  request: { params: idParam, body: jsonBody(completeTaskBody) },
  responses: { 200: jsonResponse(completion, 'Done'), ...problemResponses('forbidden', 'conflict') },
});

const claim = createRoute({
  method: 'post',
  path: '/tasks/{id}/claim',
  operationId: 'claimTask',
  tags: ['tasks'],
  summary: 'Take a task offered to a role the caller holds',
  request: { params: idParam },
  responses: {
    200: { ...jsonResponse(z.object({ task: taskSchema }), 'Claimed'), links: { complete: { operationId: 'completeTask', parameters: { id: '$response.body#/task/id' }, description: 'Decide the task just claimed' } } },
    ...problemResponses('forbidden', 'conflict'),
  },
});

const bulkBody = z.strictObject({
  taskIds: z.array(z.uuid()).min(1).max(100),
  action: z.string().regex(taskNamePattern),
  comment: text(2000).optional(),
});


const bulkResult = z.object({
  results: z.array(z.object({ taskId: z.string(), status: z.int(), task: taskSchema.optional(), process: completion.shape.process.optional(), problem: problemSchema.optional() })),
  succeeded: z.int(),
  failed: z.int(),
});

const bulk = createRoute({
  method: 'post',
  path: '/tasks/bulk-complete',
  operationId: 'bulkCompleteTasks',
  tags: ['tasks'],
  summary: 'Decide many tasks at once; the answer lists each result (one failure does not stop the others)',
  request: { body: jsonBody(bulkBody) },
  responses: { 200: jsonResponse(bulkResult, 'Per-task results') },
});

export function taskRoutes(services: Services) {
  const router = createRouter();

  router.openapi(list, async (c) => {
    const { limit, cursor, status, kind, overdue, subjectId } = c.req.valid('query');
    const rows = await services.tasks.list(requireActor(c), { status, kind, overdue: overdue === 'true', subjectId, limit: limit + 1, after: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });

  router.openapi(counts, async (c) => c.json(await services.tasks.counts(requireActor(c)), 200));

  router.openapi(kinds, (c) => {
    requireActor(c);
    const items = registeredTaskKinds().map((def) => ({
      kind: def.kind,
      processType: def.processType,
      label: def.label,
      subjectType: def.subjectType,
      slaPolicy: def.slaPolicy,
      segregated: def.segregated,
      actions: def.actions.map((action) => {
        const form = action.form ? taskFormFor(def.kind, action.name) : undefined;
        return { name: action.name, label: action.label, done: action.done, comment: action.comment, form: Boolean(action.form), tone: action.tone ?? 'neutral', formSchema: form ? (z.toJSONSchema(form, { io: 'input', unrepresentable: 'any' })) : null };
      }),
    }));
    return c.json({ items }, 200);
  });

  router.openapi(events, (c) => {
    const actor = requireActor(c);
    const { taskEvents, dashboardEvents } = c.var.deps;
    return streamSSE(c, async (stream) => {
      let counter = 0;
      const send = (event: 'task' | 'dashboard', data: unknown) => void stream.writeSSE({ event, data: JSON.stringify(data), id: String((counter += 1)) });
      const unsubscribeTasks = taskEvents.subscribe((event) => {
        const mine =
          event.userIds.includes(actor.user.id) ||
          event.userIds.some((id) => actor.delegatorIds.includes(id)) ||
          (event.candidateRole !== null && actor.user.roles.includes(event.candidateRole as never));
        if (mine) send('task', { type: event.type, taskId: event.taskId });
      });
      // A busy company changes records many times a second: the sections moved are gathered and told at most once a second.
      const moved = new Set<DashboardRole>();
      let flush: ReturnType<typeof setTimeout> | undefined;
      const unsubscribeDashboard = dashboardEvents.subscribe((change) => {
        for (const section of dashboardSectionsMoved(change, actor)) moved.add(section);
        if (moved.size === 0 || flush) return;
        flush = setTimeout(() => {
          flush = undefined;
          send('dashboard', { sections: [...moved] });
          moved.clear();
        }, 1_000);
      });
      const unsubscribe = () => {
        clearTimeout(flush);
        unsubscribeTasks();
        unsubscribeDashboard();
      };
      stream.onAbort(unsubscribe);
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted && !stream.closed) {
        await stream.sleep(25_000);
        await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    });
  });

  router.openapi(get, async (c) => c.json(await services.tasks.get(requireActor(c), c.req.valid('param').id), 200));

  router.openapi(complete, async (c) => c.json(await services.tasks.complete(requireActor(c), c.req.valid('param').id, c.req.valid('json')), 200));

  router.openapi(claim, async (c) => c.json({ task: await services.tasks.claim(requireActor(c), c.req.valid('param').id) }, 200));

  router.openapi(bulk, async (c) => {
    const actor = requireActor(c);
    const { taskIds, action, comment } = c.req.valid('json');
    const results = [];
    for (const taskId of new Set(taskIds)) {
      try {
        const done = await services.tasks.complete(actor, taskId, { action, ...(comment ? { comment } : {}) });
        results.push({ taskId, status: 200, task: done.task, process: done.process });
      } catch (error) {
        if (!(error instanceof AppError) && !(error instanceof Error && error.name === 'ForbiddenError')) throw error;
        const appError = error instanceof AppError ? error : new AppError('forbidden', 'You may not do this');
        results.push({ taskId, status: appError.status, problem: problemOf(appError.kind, appError.detail) });
      }
    }
    const succeeded = results.filter((r) => r.status === 200).length;
    return c.json({ results, succeeded, failed: results.length - succeeded }, 200);
  });

  return router;
}
