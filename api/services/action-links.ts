import { subject } from '@casl/ability';
import { consumeActionLink } from '../../db/queries/mail.ts';
import { findRequisition } from '../../db/queries/requisitions.ts';
import { findTask } from '../../db/queries/tasks.ts';
import { findUserById } from '../../db/queries/users.ts';
// The one implementation of link signing and checking: the worker issues links with it, the API checks them.
import { createActionLinks } from '../../activities/mail/action-links.ts';
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

/**
 * One-click e-mail actions. Opening a link (GET) only looks: mail scanners
 * open links. Confirming (POST) spends the link once and acts as the user the
 * link names, through the same task completion as the inbox.
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
    const requisition = task.subjectType === 'Requisition' ? await findRequisition(db, task.subjectId) : undefined;
    const requester = requisition ? await findUserById(db, requisition.requesterId) : undefined;
    return {
      link,
      user,
      task,
      view: {
        action: link.action,
        user: { id: user.id, name: user.name },
        task: { id: task.id, title: task.title, businessKey: task.businessKey, status: task.status, dueAt: task.dueAt?.toISOString() ?? null },
        requisition: requisition ? { id: requisition.id, number: requisition.number, title: requisition.title, total: requisition.total, requesterName: requester?.name ?? '' } : null,
        expiresAt: link.expiresAt.toISOString(),
      },
    };
  }

  return {
    async describe(token: string) {
      return (await inspect(token)).view;
    },

    async perform(token: string): Promise<CompletionResult> {
      const { link, user, task } = await inspect(token);
      const actor = await buildActor(db, { user, credentialId: link.id, credential: 'action_link' }, clock());
      // Spend the link only when its user may act on the task now; a refused link stays unused.
      if (!actor.ability.can('complete', subject('Task', { ...task }))) throw new AppError('forbidden', `${user.name} may no longer act on this task.`);
      if (!(await consumeActionLink(db, { jti: link.id, now: clock() }))) throw new AppError('gone', 'This link was already used.', { extra: { reason: 'used' } });
      return tasks.complete(actor, task.id, { action: link.action as 'approve' });
    },
  };
}
