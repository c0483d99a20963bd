import { describe, expect, it } from 'vitest';
import { defineRecordClasses, parseRetentionPeriod, periodAtLeast, registeredRecordClasses, retentionPeriodPattern } from '@p2p/domain/record-class-registry';
import { retentionSources } from '../../db/queries/retention.ts';
import { loadWorkerConfig } from '../../worker/config.ts';

const at = (value: string) => parseRetentionPeriod(value)!;

describe('retention record classes and periods', () => {
  it('reads ISO 8601 periods of years, months and days, and nothing else', () => {
    expect(['P10Y', 'P18M', 'P1Y6M', 'P90D', 'P1Y2M3D', 'P0Y'].every((value) => retentionPeriodPattern.test(value))).toBe(true);
    expect(['P', 'P1W', 'PT1H', 'P1.5Y', '10Y', 'p1y', 'P1Y ', 'P-1Y', 'P1D1Y'].some((value) => retentionPeriodPattern.test(value))).toBe(false);
    expect(at('P1Y6M')).toEqual({ years: 1, months: 6, days: 0 });
  });

  it('compares periods for every start date: an extra month is at least 28 days, a missing one up to 31', () => {
    const table: [string, string, boolean][] = [
      ['P7Y', 'P7Y', true],
      ['P84M', 'P7Y', true],
      ['P6Y11M', 'P7Y', false],
      ['P6Y11M31D', 'P7Y', true],
      ['P6Y11M30D', 'P7Y', false],
      ['P364D', 'P1Y', false],
      ['P372D', 'P1Y', true],
      ['P1Y', 'P365D', false],
      ['P1Y', 'P336D', true],
      ['P0Y', 'P6M', false],
    ];
    expect(table.map(([period, minimum]) => [period, minimum, periodAtLeast(at(period), at(minimum))])).toEqual(table);
  });

  it('registers the seven classes of SPEC 4.4, each with a source in the database layer and a default not below its minimum', () => {
    const classes = registeredRecordClasses();
    expect(classes.map((def) => def.recordClass)).toEqual(['requisition', 'purchase_order', 'goods_receipt', 'invoice', 'supplier_contact', 'user_account', 'audit_log']);
    for (const def of classes) {
      expect(retentionSources[def.recordClass], def.recordClass).toBeDefined();
      expect(periodAtLeast(at(def.defaultPeriod), at(def.legalMinimum)), def.recordClass).toBe(true);
    }
  });

  it('refuses a class whose default is below its minimum, or a badly named one', () => {
    const base = { label: 'X', plural: 'X', subjectType: 'X', countsFrom: 'creation', runningWhen: null } as const;
    expect(() => defineRecordClasses([{ ...base, recordClass: 'test_short', defaultPeriod: 'P1Y', legalMinimum: 'P2Y' }])).toThrow(/below the legal minimum/);
    expect(() => defineRecordClasses([{ ...base, recordClass: 'Bad-Name', defaultPeriod: 'P1Y', legalMinimum: 'P1Y' }])).toThrow(/snake case/);
  });

  it('the worker reads COMPANY_TIME_ZONE as an IANA zone, UTC by default', () => {
    expect(loadWorkerConfig({}).COMPANY_TIME_ZONE).toBe('UTC');
    expect(loadWorkerConfig({ COMPANY_TIME_ZONE: 'Europe/Berlin' }).COMPANY_TIME_ZONE).toBe('Europe/Berlin');
    expect(() => loadWorkerConfig({ COMPANY_TIME_ZONE: 'Mars/Olympus' })).toThrow(/COMPANY_TIME_ZONE/);
  });
});
