import { randomUUID } from 'node:crypto';
import { ACTION_LINK_TTL_MS, signActionLink, verifyActionLink, type ActionLinkPayload } from '@p2p/domain/action-links';
import type { Executor } from '../../db/client.ts';
import { findActionLink, insertActionLinks, type ActionLinkRow } from '../../db/queries/mail.ts';

export { consumeActionLink, findActionLink, type ActionLinkRow } from '../../db/queries/mail.ts';

export interface ActionLinksDeps {
  db: Executor;
  /** The signing secret (SESSION_SECRET); a key for links alone is derived from it. */
  secret: string;
  /** PUBLIC_URL: base of the links. */
  publicUrl: string;
  clock: () => Date;
}

export interface IssueActionLinksParams {
  taskId: string;
  userId: string;
  actions: readonly string[];
  ttlMs?: number;
}

export interface IssuedActionLink {
  action: string;
  url: string;
  /** ISO 8601, for the mail's "works until" line. */
  expiresAt: string;
}

export type ActionLinkCheck =
  | { ok: true; payload: ActionLinkPayload; link: ActionLinkRow }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'unknown' | 'used' };

/**
 * Issues and checks one-click links. Issuing twice for the same task, user and
 * action is allowed: a retried activity makes fresh unused links, and the
 * mail's idempotency key makes sure only one mail (with one set) goes out.
 */
export function createActionLinks(deps: ActionLinksDeps) {
  const base = deps.publicUrl.replace(/\/+$/, '');

  /** `db`: the caller's transaction, so the links exist exactly when the mail that carries them does. */
  async function issue(params: IssueActionLinksParams, db: Executor = deps.db): Promise<IssuedActionLink[]> {
    const expiresAt = new Date(deps.clock().getTime() + (params.ttlMs ?? ACTION_LINK_TTL_MS));
    const rows = params.actions.map((action) => ({ id: randomUUID(), taskId: params.taskId, userId: params.userId, action, expiresAt }));
    await insertActionLinks(db, rows);
    return Promise.all(
      rows.map(async (row) => {
        const token = await signActionLink(deps.secret, {
          jti: row.id,
          taskId: row.taskId,
          action: row.action,
          userId: row.userId,
          expiresAt: expiresAt.getTime(),
        });
        return { action: row.action, url: `${base}/action/${token}`, expiresAt: expiresAt.toISOString() };
      }),
    );
  }

  /**
   * Everything a GET of the link may know without changing anything: the
   * signature, the expiry, and whether the row exists, matches and is unused.
   * Performing the action must still go through consumeActionLink.
   */
  async function check(token: string): Promise<ActionLinkCheck> {
    const verified = await verifyActionLink(deps.secret, token, deps.clock());
    if (!verified.ok) return verified;
    const { payload } = verified;
    const link = await findActionLink(deps.db, payload.jti);
    if (!link || link.taskId !== payload.taskId || link.userId !== payload.userId || link.action !== payload.action) {
      return { ok: false, reason: 'unknown' };
    }
    if (link.usedAt) return { ok: false, reason: 'used' };
    return { ok: true, payload, link };
  }

  return { issue, check };
}

export type ActionLinks = ReturnType<typeof createActionLinks>;
