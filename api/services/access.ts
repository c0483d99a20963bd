import { and, eq, inArray, isNull, ne, not, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Action, AppAbility, SubjectName } from '@p2p/domain';

type Condition = Record<string, unknown>;

/**
 * SQL list filters derived from the caller's CASL rules, never restated: the
 * rules' conditions become a WHERE over the given columns. Undefined means
 * "everything", `false` means "nothing".
 */
export function accessWhere(ability: AppAbility, action: Action, subject: SubjectName, columns: Record<string, PgColumn>): SQL | undefined {
  // rulesFor lists the highest-priority rule first: a `cannot` bounds every `can` below it.
  const denied: SQL[] = [];
  const branches: SQL[] = [];
  for (const rule of ability.rulesFor(action, subject)) {
    const condition = rule.conditions ? conditionSql(rule.conditions, columns) : undefined;
    if (rule.inverted) {
      if (!condition) break;
      denied.push(condition);
      continue;
    }
    if (!condition && denied.length === 0) return undefined;
    branches.push(and(condition ?? sql`true`, ...denied.map((d) => not(d)))!);
  }
  return branches.length === 0 ? sql`false` : or(...branches);
}

/** Several actions (e.g. complete or claim): a row qualifies under any of them. */
export function accessWhereAny(ability: AppAbility, actions: Action[], subject: SubjectName, columns: Record<string, PgColumn>): SQL | undefined {
  const filters = actions.map((action) => accessWhere(ability, action, subject, columns));
  if (filters.some((filter) => filter === undefined)) return undefined;
  return or(...(filters as SQL[]));
}

function conditionSql(condition: Condition, columns: Record<string, PgColumn>): SQL {
  const parts = Object.entries(condition).map(([field, value]): SQL => {
    if (field === '$not') return not(conditionSql(value as Condition, columns));
    const column = columns[field];
    if (!column) throw new Error(`no column for permission condition field "${field}"`);
    const isArrayColumn = column.getSQLType().endsWith('[]');
    if (value === null) return isNull(column);
    if (typeof value !== 'object') return isArrayColumn ? sql`${value} = any(${column})` : eq(column, value);
    const operators = value as Record<string, unknown>;
    const ops = Object.entries(operators).map(([op, operand]): SQL => {
      switch (op) {
        case '$in':
          return (operand as unknown[]).length === 0 ? sql`false` : inArray(column, operand as unknown[]);
        case '$nin':
          return (operand as unknown[]).length === 0 ? sql`true` : notInArray(column, operand as unknown[]);
        case '$ne':
          // On an array column, as in CASL: the array does not hold the value.
          return operand === null ? sql`${column} is not null` : isArrayColumn ? sql`not (${operand} = any(${column}))` : ne(column, operand);
        case '$eq':
          return operand === null ? isNull(column) : eq(column, operand);
        default:
          throw new Error(`permission operator ${op} has no SQL translation`);
      }
    });
    return and(...ops)!;
  });
  return and(...parts) ?? sql`true`;
}
