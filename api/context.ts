import type { AppAbility } from '@p2p/domain';
import type { Executor } from '../db/client.ts';
import type { Principal } from '../db/queries/sessions.ts';
import type { ApiDeps } from './deps.ts';
import type { Logger } from './logger.ts';

/** What every request carries through the middleware chain. */
export interface RequestActor extends Principal {
  ability: AppAbility;
  delegatorIds: string[];
  reportIds: string[];
}

export type AppEnv = {
  Variables: {
    deps: ApiDeps;
    requestId: string;
    logger: Logger;
    clientIp: string;
    userAgent: string | null;
    actor: RequestActor | null;
    /** How the caller authenticated: CSRF checks apply to cookies only. */
    credentialSource: 'bearer' | 'cookie' | null;
    /** Set by the Idempotency-Key middleware when the request carries a key: stores the answer in a transaction (recordAnswerOf). */
    idempotency?: { record(tx: Executor, status: number, answer: unknown): Promise<void> };
  };
};
