import type { IncomingMessage } from 'node:http';
import type { AppAbility, PackedRules } from '@p2p/domain';
import type { CurrentUser } from '$lib/me';

declare global {
  namespace App {
    interface Error {
      message: string;
      /** Quoted to support; the server log carries the same id with the stack. */
      errorId?: string;
    }
    interface Locals {
      /** Null when nobody is signed in. */
      user: CurrentUser | null;
      /** Packed CASL rules from GET /me, handed to the browser as they are. */
      rules: PackedRules;
      /** The same rules, unpacked, for server-side checks. */
      ability: AppAbility;
      sessionToken: string | null;
    }
    /** adapter-node hands each event its Node request (absent under `vite dev`). */
    interface Platform {
      req: IncomingMessage;
    }
  }
}

export {};
