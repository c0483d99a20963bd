import { subject } from '@casl/ability';
import { actionDef, taskKindDef } from '@p2p/domain';
import { consumeActionLink } from '../../db/queries/mail.ts';
import { findTask } from '../../db/queries/tasks.ts';
import { findUserById } from '../../db/queries/users.ts';
import type { TaskRow } from '../../db/schema/index.ts';
// The one implementation of link signing and checking: the worker issues links with it, the API checks them.
import { createActionLinks } from '../../activities/mail/action-links.ts';
import type { MailSubject } from '../../activities/mail/templates.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { buildActor } from './actor.ts';
import type { CompletionResult, TaskService } from './tasks.ts';

const refusal = {
  used: ['gone', 'This link was already used.'],
  expired: ['gone', 'This link has expired.'],
  unknown: ['not_found', 'This link is not valid.'],
  malformed: ['not_found', 'This link is not valid.'],
  bad_signature: ['not_found', 'This link is not valid.'],
} as const;

/** The record the task is about, as the task carries it (every process stores its summary when it opens a step). */
function subjectOf(task: TaskRow): MailSubject {
  const stored = task.data.subject as MailSubject | undefined;
  return stored ?? { typeLabel: task.subjectType, number: task.businessKey ?? '', title: task.title, url: null, facts: [] };
}

/**
 * One-click e-mail actions. Opening a link (GET) only looks: mail scanners
 * open links. Confirming (POST) spends the link once and acts as the user the
 * link names, through the same task completion as the inbox. What an action
 * needs (a comment, form data) comes from the task-kind registry.
 */
export function createActionLinkService(deps: Pick<ApiDeps, 'db' | 'clock' | 'config' | 'actionLinkSecret'>, tasks: Pick<TaskService, 'complete'>) {
  const { db, clock } = deps;
  const links = createActionLinks({ db, secret: deps.actionLinkSecret, publicUrl: deps.config.publicUrl, clock });

  async function inspect(token: string) {
    const checked = await links.check(token);
    if (!checked.ok) {
      const [kind, detail] = refusal[checked.reason];
      throw new AppError(kind, detail, { extra: { reason: checked.reason } });
    }
    const { link } = checked;
    const [task, user] = await Promise.all([findTask(db, link.taskId), findUserById(db, link.userId)]);
    if (!task || !user || !user.active) throw new AppError('not_found', 'This link is not valid.', { extra: { reason: 'unknown' } });
    if (task.status !== 'open') throw new AppError('conflict', `This task was already decided (${task.outcome ?? task.status}).`, { extra: { reason: 'decided' } });
    const action = actionDef(task.kind, link.action);
    return {
      link,
      user,
      task,
      view: {
        action: link.action,
        actionLabel: action?.label ?? link.action,
        actionTone: action?.tone ?? 'neutral',
        commentRequired: action?.comment === 'required',
        /** The action carries form data: it is taken in the inbox, where the form is. */
        formRequired: Boolean(action?.form),
        user: { id: user.id, name: user.name },
        task: { id: task.id, kind: task.kind, kindLabel: taskKindDef(task.kind)?.label ?? task.kind, title: task.title, businessKey: task.businessKey, status: task.status, dueAt: task.dueAt?.toISOString() ?? null, subjectType: task.subjectType, subjectId: task.subjectId },
        subject: subjectOf(task),
        expiresAt: link.expiresAt.toISOString(),
      },
    };
  }

  return {
    async describe(token: string) {
      return (await inspect(token)).view;
    },

    async perform(token: string, body: { comment?: string | undefined } = {}): Promise<CompletionResult> {
      const { link, user, task, view } = await inspect(token);
      const comment = body.comment?.trim() || undefined;
      // Refusals that the person can fix come before the link is spent, so it still works once they have.
      if (view.formRequired) throw new AppError('unprocessable', `data: ${view.actionLabel} needs a form; open the task in the inbox`, { errors: [{ path: 'data', message: 'this action needs form data; open the task in the inbox' }] });
      if (view.commentRequired && !comment) throw new AppError('unprocessable', `comment: a comment is required to ${view.actionLabel.toLowerCase()}`, { errors: [{ path: 'comment', message: 'a comment is required' }] });
      const actor = await buildActor(db, { user, credentialId: link.id, credential: 'action_link' }, clock());
      // Spend the link only when its user may act on the task now; a refused link stays unused.
      if (!actor.ability.can('complete', subject('Task', { ...task }))) throw new AppError('forbidden', `${user.name} may no longer act on this task.`);
      if (!(await consumeActionLink(db, { jti: link.id, now: clock() }))) throw new AppError('gone', 'This link was already used.', { extra: { reason: 'used' } });
      return tasks.complete(actor, task.id, { action: link.action, ...(comment ? { comment } : {}) });
    },
  };
}
