/** Roles of SPEC section 3. A user may hold several. */
export const roles = [
  'requester',
  'manager',
  'buyer',
  'procurement_manager',
  'finance_director',
  'warehouse',
  'accountant',
  'auditor',
  'records_manager',
  'admin',
] as const;

export type Role = (typeof roles)[number];

export const roleLabels: Record<Role, string> = {
  requester: 'Requester',
  manager: 'Manager',
  buyer: 'Buyer',
  procurement_manager: 'Procurement manager',
  finance_director: 'Finance director',
  warehouse: 'Warehouse',
  accountant: 'Accountant',
  auditor: 'Auditor',
  records_manager: 'Records manager',
  admin: 'Administrator',
};
