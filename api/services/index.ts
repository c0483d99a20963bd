import type { ApiDeps } from '../deps.ts';
import { createAuthService } from './auth.ts';
import { createSupplierService } from './suppliers.ts';
import { createUserService } from './users.ts';

export type Services = ReturnType<typeof createServices>;

export function createServices(deps: ApiDeps) {
  return {
    auth: createAuthService(deps),
    users: createUserService(deps),
    suppliers: createSupplierService(deps),
  };
}
