import type { Role } from '@p2p/domain';
import type { Database } from './client.ts';
import { appendAudit } from './queries/audit.ts';
import { insertProject, insertSupplier } from './queries/suppliers.ts';
import { countUsers, findUserByEmail, insertUser, updateUser } from './queries/users.ts';

export const DEMO_PASSWORD = 'demo-password-1';

export type DemoKey = 'finance_director' | 'manager' | 'procurement_manager' | 'buyer' | 'requester' | 'engineer' | 'warehouse' | 'accountant' | 'payables' | 'auditor' | 'records_manager' | 'admin';

/** One person per role, in a small engineering company, with a management line to escalate along. */
export const demoPeople: { key: DemoKey; name: string; roles: Role[]; manager?: DemoKey; department: string }[] = [
  { key: 'finance_director', name: 'Fiona Finch', roles: ['finance_director'], department: 'Finance' },
  { key: 'manager', name: 'Marco Meyer', roles: ['manager'], manager: 'finance_director', department: 'Engineering' },
  { key: 'procurement_manager', name: 'Priya Patel', roles: ['procurement_manager'], manager: 'finance_director', department: 'Procurement' },
  { key: 'buyer', name: 'Ben Baker', roles: ['buyer'], manager: 'procurement_manager', department: 'Procurement' },
  { key: 'requester', name: 'Rita Reyes', roles: ['requester'], manager: 'manager', department: 'Engineering' },
  { key: 'engineer', name: 'Erik Engel', roles: ['requester'], manager: 'manager', department: 'Engineering' },
  { key: 'warehouse', name: 'Wanda Wu', roles: ['warehouse'], manager: 'manager', department: 'Logistics' },
  { key: 'accountant', name: 'Arjun Ahmed', roles: ['accountant'], manager: 'finance_director', department: 'Finance' },
  // A second accountant: who enters an invoice neither accepts its variance nor approves its payment.
  { key: 'payables', name: 'Paula Payne', roles: ['accountant'], manager: 'finance_director', department: 'Finance' },
  { key: 'auditor', name: 'Aud Ingram', roles: ['auditor'], department: 'Internal audit' },
  { key: 'records_manager', name: 'Rosa Ruiz', roles: ['records_manager'], department: 'Legal' },
  { key: 'admin', name: 'Adam Admin', roles: ['admin'], department: 'IT' },
];

export const demoEmail = (key: string) => `${key}@demo.local`;

/** Phone and address go in as plaintext: the API's start seals them (db/encryption.ts) before it serves a request. */
const demoSuppliers = [
  { name: 'Acme Industrial Supply', email: 'orders@acme-industrial.example', paymentTermsDays: 30, contactName: 'Alan Archer', phone: '+44 113 496 0123', address: '12 Foundry Road, Leeds' },
  { name: 'Nordic Bearings AB', email: 'order@nordic-bearings.example', paymentTermsDays: 45, contactName: 'Nils Nyberg', phone: '+46 31 555 0188', address: 'Kullagergatan 3, Göteborg' },
  { name: 'Precision Fasteners GmbH', email: 'bestellung@precision-fasteners.example', paymentTermsDays: 30, contactName: 'Petra Pohl', phone: '+49 711 555 0142', address: 'Schraubenweg 8, Stuttgart' },
  { name: 'OfficeHub', email: 'sales@officehub.example', paymentTermsDays: 30, discountPercent: '2', discountDays: 10, contactName: 'Olivia Owens', phone: '+44 161 496 0777', address: '1 Market Street, Manchester' },
];

const demoProjects = [
  { code: 'PRJ-L4', name: 'Line 4 retrofit' },
  { code: 'PRJ-ROBO', name: 'Robot cell commissioning' },
  { code: 'PRJ-LAB', name: 'Test lab expansion' },
];

const seedAudit = { actorId: null, requestId: 'seed', ip: null, userAgent: 'seed' } as const;

/** Loads the demo company into an empty database; a database with users is left as it is. */
export async function seedDemoData(db: Database, hashPassword: (password: string) => Promise<string>): Promise<{ seeded: boolean }> {
  if ((await countUsers(db)) > 0) return { seeded: false };
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction(async (tx) => {
    const ids = new Map<string, string>();
    for (const person of demoPeople) {
      const row = await insertUser(tx, { email: demoEmail(person.key), name: person.name, roles: person.roles, department: person.department, passwordHash, demo: true });
      ids.set(person.key, row.id);
    }
    for (const person of demoPeople) {
      if (person.manager) await updateUser(tx, ids.get(person.key)!, { managerId: ids.get(person.manager)! });
    }
    for (const supplier of demoSuppliers) await insertSupplier(tx, supplier);
    for (const project of demoProjects) await insertProject(tx, project);
    await appendAudit(tx, { ...seedAudit, at: new Date(), action: 'demo_data.seeded', subjectType: 'System', subjectId: 'demo', after: { users: demoPeople.length, suppliers: demoSuppliers.length, projects: demoProjects.length } });
  });
  return { seeded: true };
}

/** BOOTSTRAP_ADMIN_*: make sure this admin exists (the way to a first admin in production). Never overwrites a password. */
export async function ensureBootstrapAdmin(db: Database, params: { email: string; password: string }, hashPassword: (password: string) => Promise<string>): Promise<{ created: boolean }> {
  if (await findUserByEmail(db, params.email)) return { created: false };
  const passwordHash = await hashPassword(params.password);
  await db.transaction(async (tx) => {
    const row = await insertUser(tx, { email: params.email, name: 'Administrator', roles: ['admin'], passwordHash });
    await appendAudit(tx, { ...seedAudit, at: new Date(), action: 'user.bootstrapped', subjectType: 'User', subjectId: row.id, after: { email: row.email, roles: row.roles } });
  });
  return { created: true };
}
