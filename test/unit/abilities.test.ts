import { subject } from '@casl/ability';
import { describe, expect, it } from 'vitest';
import { abilityFromPackedRules, defineAbilityFor, defineRulesFor, packAbilityRules, roles, type Action, type Role, type SubjectName } from '@p2p/domain';

const me = 'u-me';
const other = 'u-other';
const report = 'u-report';
const boss = 'u-boss';

const abilityOf = (role: Role) => defineAbilityFor({ id: me, roles: [role], reportIds: role === 'manager' ? [report] : [], delegatorIds: [] });

/** What each role may do with a type of record, regardless of whose it is (C = can, - = cannot). */
const typeMatrix: [Action, SubjectName, string][] = [
  //                                   req man buy pm  fd  wh  acc aud rec adm
  ['create', 'Requisition',            'C   -   -   -   -   -   -   -   -   -'],
  ['create', 'User',                   '-   -   -   -   -   -   -   -   -   C'],
  ['update', 'User',                   '-   -   -   -   -   -   -   -   -   C'],
  ['create', 'Supplier',               '-   -   C   C   -   -   -   -   -   C'],
  ['read', 'Supplier',                 'C   C   C   C   C   C   C   C   C   C'],
  ['create', 'PurchaseOrder',          '-   -   C   -   -   -   -   -   -   -'],
  ['issue', 'PurchaseOrder',           '-   -   C   -   -   -   -   -   -   -'],
  // Requesters: only the orders of their own requisitions (a condition; see below).
  ['read', 'PurchaseOrder',            'C   -   C   C   C   C   C   C   -   -'],
  ['create', 'GoodsReceipt',           '-   -   -   -   -   C   -   -   -   -'],
  ['create', 'Invoice',                '-   -   -   -   -   -   C   -   -   -'],
  ['read', 'Invoice',                  '-   -   C   C   C   -   C   C   -   -'],
  ['read', 'AuditLog',                 '-   -   -   -   -   -   -   C   C   C'],
  ['verify', 'AuditLog',               '-   -   -   -   -   -   -   C   -   C'],
  ['export', 'Process',                '-   -   -   -   -   -   -   C   -   -'],
  ['update', 'Policy',                 '-   -   -   -   -   -   -   -   -   C'],
  ['read', 'Policy',                   '-   -   -   C   C   -   -   C   C   C'],
  ['dispose', 'RetentionRecord',       '-   -   -   -   -   -   -   -   C   -'],
  ['review', 'RetentionRecord',        '-   -   -   -   -   -   -   -   C   C'],
  ['read', 'RetentionRecord',          '-   -   -   -   -   -   -   C   C   C'],
  ['create', 'LegalHold',              '-   -   -   -   -   -   -   -   C   C'],
  ['update', 'LegalHold',              '-   -   -   -   -   -   -   -   C   C'],
  ['read', 'LegalHold',                '-   -   -   -   -   -   -   C   C   C'],
  ['read', 'Outbox',                   '-   -   -   -   -   -   -   C   -   C'],
];

describe('permissions: role x action x subject', () => {
  it.each(typeMatrix)('%s %s', (action, subjectName, row) => {
    const expected = row.split(/\s+/);
    roles.forEach((role, index) => {
      expect({ role, allowed: abilityOf(role).can(action, subjectName) }).toEqual({ role, allowed: expected[index] === 'C' });
    });
  });

  it('requisitions: own for requesters, reports for managers, all for procurement readers, nothing for admins', () => {
    const own = subject('Requisition', { requesterId: me });
    const reports = subject('Requisition', { requesterId: report, status: 'submitted' });
    const stranger = subject('Requisition', { requesterId: other });
    const readsAll: Role[] = ['buyer', 'procurement_manager', 'finance_director', 'accountant', 'auditor'];
    for (const role of roles) {
      const ability = abilityOf(role);
      expect({ role, own: ability.can('read', own) }).toEqual({ role, own: role === 'requester' || readsAll.includes(role) });
      expect({ role, reports: ability.can('read', reports) }).toEqual({ role, reports: role === 'manager' || readsAll.includes(role) });
      expect({ role, stranger: ability.can('read', stranger) }).toEqual({ role, stranger: readsAll.includes(role) });
      expect({ role, edit: ability.can('update', stranger) }).toEqual({ role, edit: false });
    }
    expect(abilityOf('manager').can('read', subject('Requisition', { requesterId: report, status: 'draft' }))).toBe(false);
    expect(abilityOf('requester').can('update', own)).toBe(true);
    expect(abilityOf('requester').can('submit', own)).toBe(true);
    expect(abilityOf('requester').can('withdraw', stranger)).toBe(false);
  });

  it('purchase orders: a requester reads those their requisitions’ lines are on, and changes none; buyers change them; the warehouse receives', () => {
    const mine = subject('PurchaseOrder', { requesterIds: [other, me] });
    const theirs = subject('PurchaseOrder', { requesterIds: [other] });
    expect([abilityOf('requester').can('read', mine), abilityOf('requester').can('read', theirs), abilityOf('requester').can('cancel', mine)]).toEqual([true, false, false]);
    expect([abilityOf('buyer').can('update', theirs), abilityOf('buyer').can('cancel', theirs), abilityOf('warehouse').can('cancel', theirs), abilityOf('warehouse').can('create', 'GoodsReceipt')]).toEqual([true, true, false, true]);
  });

  it('tasks: the assignee completes; a delegate completes the delegator’s; role holders claim unassigned ones; admins and auditors never', () => {
    const mine = subject('Task', { assigneeId: me, status: 'open', candidateRole: null });
    const theirs = subject('Task', { assigneeId: boss, status: 'open', candidateRole: null });
    const pool = subject('Task', { assigneeId: null, status: 'open', candidateRole: 'buyer' });
    const done = subject('Task', { assigneeId: me, status: 'completed', candidateRole: null });
    for (const role of roles) {
      const ability = abilityOf(role);
      expect({ role, mine: ability.can('complete', mine) }).toEqual({ role, mine: true });
      expect({ role, theirs: ability.can('complete', theirs) }).toEqual({ role, theirs: false });
      expect({ role, done: ability.can('complete', done) }).toEqual({ role, done: false });
      expect({ role, claim: ability.can('claim', pool) }).toEqual({ role, claim: role === 'buyer' });
    }
    const delegate = defineAbilityFor({ id: me, roles: ['manager'], delegatorIds: [boss] });
    expect(delegate.can('complete', theirs)).toBe(true);
    for (const role of ['admin', 'auditor'] as const) {
      expect(abilityOf(role).can('complete', theirs)).toBe(false);
      expect(abilityOf(role).can('claim', pool)).toBe(false);
    }
  });

  it('auditors read everything and change nothing', () => {
    const auditor = abilityOf('auditor');
    const writes: Action[] = ['create', 'update', 'delete', 'submit', 'withdraw', 'issue', 'cancel', 'dispose', 'claim', 'review'];
    for (const subjectName of ['User', 'Supplier', 'Project', 'Requisition', 'PurchaseOrder', 'GoodsReceipt', 'Invoice', 'Policy', 'RetentionRecord', 'LegalHold'] as const) {
      expect(auditor.can('read', subjectName)).toBe(true);
      for (const action of writes) expect({ subjectName, action, allowed: auditor.can(action, subjectName) }).toEqual({ subjectName, action, allowed: false });
    }
  });

  it('packs and unpacks to the same decisions the web app uses', () => {
    const user = { id: me, roles: ['manager', 'buyer'] as Role[], reportIds: [report] };
    const packed = JSON.parse(JSON.stringify(packAbilityRules(defineRulesFor(user)))) as Parameters<typeof abilityFromPackedRules>[0];
    const web = abilityFromPackedRules(packed);
    const server = defineAbilityFor(user);
    for (const check of [subject('Requisition', { requesterId: report, status: 'submitted' }), subject('Requisition', { requesterId: report, status: 'draft' }), subject('Requisition', { requesterId: other, status: 'approved' })]) {
      expect(web.can('read', check)).toBe(server.can('read', check));
    }
    expect(web.can('create', 'Supplier')).toBe(true);
    expect(web.can('create', 'User')).toBe(false);
  });
});
