import { describe, expect, it } from 'vitest';
import type { Role } from '@p2p/domain';
import { dashboardSectionsMoved } from '../../api/services/dashboard.ts';

const person = (id: string, ...roles: Role[]) => ({ user: { id, roles } }) as never;
const requester = person('r1', 'requester');
const buyer = person('b1', 'buyer', 'requester');
const accountant = person('a1', 'accountant');
const director = person('f1', 'finance_director');

/** Which record changes reload whose dashboard sections (issue #16): only the sections whose numbers they may move. */
describe('dashboard sections moved by a record change', () => {
  it('requisitions: the requester named, and every buyer', () => {
    expect(dashboardSectionsMoved({ table: 'requisitions', userIds: ['r1'] }, requester)).toEqual(['requester']);
    expect(dashboardSectionsMoved({ table: 'requisitions', userIds: ['r2'] }, requester)).toEqual([]);
    expect(dashboardSectionsMoved({ table: 'requisitions', userIds: ['r2'] }, buyer)).toEqual(['buyer']);
    // Too many requesters to name: everyone's.
    expect(dashboardSectionsMoved({ table: 'requisitions', userIds: null }, requester)).toEqual(['requester']);
  });

  it('tasks: the requesters whose requests moved; accountants when an invoice approval moved', () => {
    expect(dashboardSectionsMoved({ table: 'tasks', userIds: ['r1'], kinds: ['requisition_approval'] }, requester)).toEqual(['requester']);
    expect(dashboardSectionsMoved({ table: 'tasks', userIds: [], kinds: ['requisition_approval'] }, accountant)).toEqual([]);
    expect(dashboardSectionsMoved({ table: 'tasks', userIds: [], kinds: ['invoice_approval'] }, accountant)).toEqual(['accountant']);
  });

  it('orders, invoices, holds, budgets and the spend summary', () => {
    expect(dashboardSectionsMoved({ table: 'purchase_orders' }, buyer)).toEqual(['buyer']);
    expect(dashboardSectionsMoved({ table: 'purchase_orders' }, director)).toEqual([]);
    expect(dashboardSectionsMoved({ table: 'invoices' }, accountant)).toEqual(['accountant']);
    expect(dashboardSectionsMoved({ table: 'invoice_holds' }, buyer)).toEqual([]);
    expect(dashboardSectionsMoved({ table: 'budgets' }, director)).toEqual(['finance_director']);
    expect(dashboardSectionsMoved({ table: 'report_spend_summary' }, director)).toEqual(['finance_director']);
    expect(dashboardSectionsMoved({ table: 'report_spend_summary' }, accountant)).toEqual([]);
  });
});
