import { z } from 'zod';
import { taskKindViewSchema, type TaskKindView } from '@p2p/domain';
import { formSchemaOf, type JsonSchema } from '$lib/task-form';
import { apiFetch, type ApiEvent } from './api';

/**
 * GET /tasks/kinds: the registry as the API serves it (its schema shared from
 * the domain), with the JSON Schema of each action's form data. Labels, tones
 * and comment rules the pages read from the shared registry directly; what
 * only the API knows (the forms, built from zod) comes from here.
 */
export type { TaskKindView };

/**
 * The registry only changes with a deploy, so it is read once per server
 * process. A failed read is not kept: the next request asks again.
 */
let cached: Promise<TaskKindView[]> | undefined;

export function taskKindViews(event: ApiEvent): Promise<TaskKindView[]> {
  cached ??= apiFetch(event, '/tasks/kinds', { schema: z.object({ items: z.array(taskKindViewSchema) }) })
    .then((answer) => answer.items)
    .catch((cause: unknown) => {
      cached = undefined;
      throw cause;
    });
  return cached;
}

/** The JSON Schema of what `action` on a task of `kind` carries; null when it carries nothing. */
export async function actionFormSchema(event: ApiEvent, kind: string, action: string): Promise<JsonSchema | null> {
  return formSchemaOf(await taskKindViews(event), kind, action);
}
