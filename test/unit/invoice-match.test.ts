import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkTaskData, defaultMatchTolerances, matchInvoice, paymentDates, priceLimit, termsLabel, tolerancesFor, type MatchInput, type MatchLineInput, type MatchTolerances } from '@p2p/domain';

/**
 * The three-way match and payment terms of SPEC 4.3, with every expectation
 * worked out by hand in the comment beside it. Quantities and prices are
 * compared at 4 decimals, money at 2; rounding is half away from zero.
 *
 * Unless a test says otherwise a line is 10 boxes ordered and accepted at a
 * PO price of 100.00, untaxed, and the invoice's total is its line amounts
 * plus its tax (the API refuses an invoice whose total does not add up).
 */
const toner = (overrides: Partial<MatchLineInput> = {}): MatchLineInput => ({
  purchaseOrderLineId: 'line-1',
  lineNo: 1,
  description: 'Toner cartridge',
  unit: 'box',
  ordered: '10',
  accepted: '10',
  poUnitPrice: '100.00',
  taxRate: '0',
  invoicedBefore: '0',
  quantity: '10',
  amount: '1000.00',
  ...overrides,
});

const match = (lines: MatchLineInput[], taxAmount: string, total: string, more: Partial<MatchInput> = {}) => matchInvoice({ lines, taxAmount, total, tolerances: defaultMatchTolerances, ...more });

const reasons = (result: ReturnType<typeof matchInvoice>) => result.holds.map((hold) => hold.reason);

describe('priceLimit: the tighter of percent and amount per unit', () => {
  it('takes the percent on a cheap line and the amount on a dear one', () => {
    // 100.00 x 2% = 2.00 < 50.00
    expect(priceLimit('100.00', { percent: '2', amount: '50.00' })).toBe('2.0000');
    // 5000.00 x 2% = 100.00 > 50.00: the amount caps it
    expect(priceLimit('5000.00', { percent: '2', amount: '50.00' })).toBe('50.0000');
    // 2500.00 x 2% = 50.00 = 50.00
    expect(priceLimit('2500.00', { percent: '2', amount: '50.00' })).toBe('50.0000');
    // 4.00 x 10% = 0.40 < 0.50; 9.00 x 10% = 0.90 > 0.50
    expect(priceLimit('4.00', { percent: '10', amount: '0.50' })).toBe('0.4000');
    expect(priceLimit('9.00', { percent: '10', amount: '0.50' })).toBe('0.5000');
    // 0% forgives nothing whatever the amount
    expect(priceLimit('100.00', { percent: '0', amount: '50.00' })).toBe('0.0000');
  });

  it('rounds the percent to 4 decimals, half away from zero', () => {
    // 0.3333 x 2% = 0.006666 -> 0.0067
    expect(priceLimit('0.3333', { percent: '2', amount: '50.00' })).toBe('0.0067');
    // 0.0025 x 2% = 0.00005 -> 0.0001 (the half goes up)
    expect(priceLimit('0.0025', { percent: '2', amount: '50.00' })).toBe('0.0001');
  });
});

describe('matchInvoice', () => {
  it('matches an invoice at the PO prices and rates: no holds, no variance, the header as computed', () => {
    const result = match(
      [
        // 10 x 100.00 = 1000.00; tax 20% = 200.00
        toner({ taxRate: '20' }),
        // 20 x 4.25 = 85.00; tax 10% = 8.50
        toner({ purchaseOrderLineId: 'line-2', lineNo: 2, description: 'Paper A4', unit: 'ream', ordered: '50', accepted: '50', poUnitPrice: '4.25', taxRate: '10', quantity: '20', amount: '85.00' }),
        // Not billed (and not received): no quantity, no price to check.
        toner({ purchaseOrderLineId: 'line-3', lineNo: 3, description: 'Stapler', unit: 'piece', ordered: '5', accepted: '0', poUnitPrice: '30.00', taxRate: '20', quantity: '0', amount: '0.00' }),
      ],
      // tax 200.00 + 8.50 = 208.50; total 1000.00 + 85.00 + 208.50 = 1293.50
      '208.50',
      '1293.50',
    );
    expect(result.holds).toEqual([]);
    expect(result).toMatchObject({ matched: true, waitingForGoods: false, needsSecondApproval: false, acceptedPriceVariance: '0.00' });
    expect(result.header).toEqual({ tax: '208.50', expectedTax: '208.50', taxVariance: '0.00', total: '1293.50', expectedTotal: '1293.50', totalVariance: '0.00', acceptedWithinTolerance: null });
    expect(result.lines).toEqual([
      { purchaseOrderLineId: 'line-1', lineNo: 1, description: 'Toner cartridge', unit: 'box', ordered: '10', accepted: '10', invoicedBefore: '0', quantity: '10', poUnitPrice: '100.00', unitPrice: '100.0000', amount: '1000.00', priceVariance: '0.00', holds: [] },
      { purchaseOrderLineId: 'line-2', lineNo: 2, description: 'Paper A4', unit: 'ream', ordered: '50', accepted: '50', invoicedBefore: '0', quantity: '20', poUnitPrice: '4.25', unitPrice: '4.2500', amount: '85.00', priceVariance: '0.00', holds: [] },
      { purchaseOrderLineId: 'line-3', lineNo: 3, description: 'Stapler', unit: 'piece', ordered: '5', accepted: '0', invoicedBefore: '0', quantity: '0', poUnitPrice: '30.00', unitPrice: null, amount: '0.00', priceVariance: '0.00', holds: [] },
    ]);
  });

  describe('price', () => {
    it('records a variance inside tolerance on the line and in acceptedPriceVariance, and holds nothing', () => {
      // 10 x 101.50 = 1015.00 (1.50 over per unit, 2.00 allowed); tax 20% = 203.00; total 1218.00
      const result = match([toner({ taxRate: '20', amount: '1015.00' })], '203.00', '1218.00');
      expect(result.holds).toEqual([]);
      expect(result.matched).toBe(true);
      expect(result.lines).toMatchObject([{ unitPrice: '101.5000', priceVariance: '15.00', holds: [] }]);
      // 1015.00 - 10 x 100.00 = 15.00
      expect(result.acceptedPriceVariance).toBe('15.00');
      // expected 1000.00 + 200.00 = 1200.00; 1218.00 - 1200.00 = 18.00, inside the band
      // 1.00 + 10 x 2.00 + 20% of 20.00 + a rounding cent = 25.01: the price's variance, not a header difference.
      expect(result.header).toMatchObject({ expectedTotal: '1200.00', totalVariance: '18.00', taxVariance: '0.00', acceptedWithinTolerance: null });
    });

    it('passes a price exactly at the limit, on either side, and holds one a cent beyond it', () => {
      // 10 x 102.00: 2.00 over per unit = 2.00 allowed
      const atUpper = match([toner({ amount: '1020.00' })], '0.00', '1020.00');
      expect(atUpper.holds).toEqual([]);
      expect(atUpper.acceptedPriceVariance).toBe('20.00');
      // 10 x 98.00: 2.00 under per unit = 2.00 allowed
      const atLower = match([toner({ amount: '980.00' })], '0.00', '980.00');
      expect(atLower.holds).toEqual([]);
      expect(atLower.acceptedPriceVariance).toBe('-20.00');
      // 10 x 102.01: 2.01 over per unit. The total, 20.10 over, stays inside the band
      // 1.00 + 10 x 2.00 = 21.00: a price hold too small for a total_mismatch.
      const beyond = match([toner({ amount: '1020.10' })], '0.00', '1020.10');
      expect(beyond.holds).toMatchObject([{ reason: 'price_over', lineId: 'line-1', lineNo: 1, expected: '100.0000', actual: '102.0100', variance: '2.0100', allowed: '2.0000' }]);
      // A held line's variance is not accepted.
      expect(beyond.acceptedPriceVariance).toBe('0.00');
      expect(beyond.lines).toMatchObject([{ priceVariance: '20.10', holds: ['price_over'] }]);
    });

    it('caps the tolerance at the amount per unit on a dear line (50.00, not 2% = 100.00)', () => {
      // 1 x 5000.00 PO; 5050.00 is 50.00 over = 50.00 allowed (2% would be 100.00)
      const atCap = match([toner({ ordered: '1', accepted: '1', quantity: '1', poUnitPrice: '5000.00', amount: '5050.00' })], '0.00', '5050.00');
      expect(atCap.holds).toEqual([]);
      expect(atCap.acceptedPriceVariance).toBe('50.00');
      // 5090.00 is 90.00 over: inside 2% (100.00) but above the 50.00 cap.
      const over = match([toner({ ordered: '1', accepted: '1', quantity: '1', poUnitPrice: '5000.00', amount: '5090.00' })], '0.00', '5090.00');
      expect(over.holds).toMatchObject([
        // 90.00 <= 2 x 50.00: not above twice
        { reason: 'price_over', expected: '5000.0000', actual: '5090.0000', variance: '90.0000', allowed: '50.0000', aboveTwiceTolerance: false },
        // band 1.00 + 1 x 50.00 = 51.00 < 90.00; 90.00 <= 2 x 51.00
        { reason: 'total_mismatch', lineId: null, lineNo: null, expected: '5000.00', actual: '5090.00', variance: '90.00', allowed: '51.01', aboveTwiceTolerance: false },
      ]);
      expect(over.needsSecondApproval).toBe(false);
    });

    it('keeps the upper and lower limits apart: 3% under passes a 10% lower limit, 3% over holds a 2% upper one', () => {
      const tolerances: MatchTolerances = { ...defaultMatchTolerances, priceUpper: { percent: '2', amount: '50.00' }, priceLower: { percent: '10', amount: '50.00' } };
      // 10 x 97.00 = 970.00: 3.00 under per unit, 10.00 allowed below
      const under = match([toner({ amount: '970.00' })], '0.00', '970.00', { tolerances });
      expect(under.holds).toEqual([]);
      expect(under.acceptedPriceVariance).toBe('-30.00');
      // band 1.00 + 10 x 10.00 = 101.00 covers the total's -30.00
      expect(under.header.totalVariance).toBe('-30.00');
      // 10 x 103.00 = 1030.00: 3.00 over per unit, 2.00 allowed above
      const over = match([toner({ amount: '1030.00' })], '0.00', '1030.00', { tolerances });
      expect(over.holds).toMatchObject([
        { reason: 'price_over', expected: '100.0000', actual: '103.0000', variance: '3.0000', allowed: '2.0000' },
        // band 1.00 + 10 x 2.00 (the upper side) = 21.00 < 30.00
        { reason: 'total_mismatch', variance: '30.00', allowed: '21.01' },
      ]);
    });

    it('holds a price below the lower limit as price_under, with a negative variance and allowance', () => {
      // Upper 10%, lower 2%: 10 x 97.00 = 970.00 is 3.00 under per unit, 2.00 allowed
      const tolerances: MatchTolerances = { ...defaultMatchTolerances, priceUpper: { percent: '10', amount: '50.00' }, priceLower: { percent: '2', amount: '50.00' } };
      const result = match([toner({ amount: '970.00' })], '0.00', '970.00', { tolerances });
      expect(result.holds).toMatchObject([
        { reason: 'price_under', lineId: 'line-1', expected: '100.0000', actual: '97.0000', variance: '-3.0000', allowed: '-2.0000', aboveTwiceTolerance: false },
        // band on the lower side: 1.00 + 10 x 2.00 = 21.00 < |-30.00|
        { reason: 'total_mismatch', expected: '1000.00', actual: '970.00', variance: '-30.00', allowed: '21.01' },
      ]);
      expect(result.lines).toMatchObject([{ unitPrice: '97.0000', priceVariance: '-30.00', holds: ['price_under'] }]);
      expect(result.acceptedPriceVariance).toBe('0.00');
    });

    it('asks for a second approval only above twice the tolerance: 3% over no, 4% (exactly twice) no, 5% yes', () => {
      // 10 x 103.00: 3.00 <= 2 x 2.00; total 30.00 <= 2 x 21.00
      const three = match([toner({ amount: '1030.00' })], '0.00', '1030.00');
      expect(three.holds.map((hold) => [hold.reason, hold.aboveTwiceTolerance])).toEqual([['price_over', false], ['total_mismatch', false]]);
      expect(three.needsSecondApproval).toBe(false);
      // 10 x 104.00: 4.00 = 2 x 2.00 is not above; total 40.00 <= 42.00
      const four = match([toner({ amount: '1040.00' })], '0.00', '1040.00');
      expect(four.needsSecondApproval).toBe(false);
      // 10 x 105.00: 5.00 > 4.00; total 50.00 > 42.00
      const five = match([toner({ amount: '1050.00' })], '0.00', '1050.00');
      expect(five.holds.map((hold) => [hold.reason, hold.aboveTwiceTolerance])).toEqual([['price_over', true], ['total_mismatch', true]]);
      expect(five.needsSecondApproval).toBe(true);
      // 10 x 95.00: 5.00 under > 4.00
      const under = match([toner({ amount: '950.00' })], '0.00', '950.00');
      expect(under.holds[0]).toMatchObject({ reason: 'price_under', variance: '-5.0000', aboveTwiceTolerance: true });
      expect(under.needsSecondApproval).toBe(true);
    });

    it('sums into acceptedPriceVariance only the lines whose price passed', () => {
      const result = match(
        [
          // 10 x 101.50 = 1015.00: 15.00 accepted
          toner({ amount: '1015.00' }),
          // 10 x 98.50 = 985.00: -15.00 accepted
          toner({ purchaseOrderLineId: 'line-2', lineNo: 2, amount: '985.00' }),
          // 10 x 110.00 = 1100.00: held, its 100.00 not accepted
          toner({ purchaseOrderLineId: 'line-3', lineNo: 3, amount: '1100.00' }),
        ],
        '0.00',
        // 1015.00 + 985.00 + 1100.00 = 3100.00
        '3100.00',
      );
      expect(result.lines.map((line) => line.priceVariance)).toEqual(['15.00', '-15.00', '100.00']);
      // 15.00 - 15.00 = 0.00
      expect(result.acceptedPriceVariance).toBe('0.00');
      // total 3100.00 - 3000.00 = 100.00; band 1.00 + 20.00 + 20.00 + 20.00 = 61.00
      expect(result.holds).toMatchObject([
        { reason: 'price_over', lineId: 'line-3', lineNo: 3 },
        { reason: 'total_mismatch', variance: '100.00', allowed: '61.03' },
      ]);
    });

    it('divides amount by quantity to a unit price rounded half away from zero', () => {
      // 3 x 66.6667 = 200.0001 -> 200.00 at the PO price; 200.00 / 3 = 66.66666.. -> 66.6667
      const result = match([toner({ ordered: '3', accepted: '3', quantity: '3', poUnitPrice: '66.6667', amount: '200.00' })], '0.00', '200.00');
      expect(result.lines).toMatchObject([{ unitPrice: '66.6667', priceVariance: '0.00' }]);
      expect(result.matched).toBe(true);
    });
  });

  describe('quantity', () => {
    it('holds more invoiced than ordered as quantity_over_ordered (and over received), which receipts cannot clear', () => {
      // 12 x 100.00 = 1200.00 against 10 ordered and 10 accepted
      const result = match([toner({ quantity: '12', amount: '1200.00' })], '0.00', '1200.00');
      expect(result.holds).toMatchObject([
        // 12 - 10 = 2 over, 0% allowed
        { reason: 'quantity_over_ordered', lineId: 'line-1', lineNo: 1, expected: '10.0000', actual: '12.0000', variance: '2.0000', allowed: '0.0000' },
        { reason: 'quantity_over_received', expected: '10.0000', actual: '12.0000', variance: '2.0000', allowed: '0.0000' },
      ]);
      expect(result).toMatchObject({ matched: false, waitingForGoods: false });
      // An over-delivery accepted in full: only the order is exceeded.
      const overDelivered = match([toner({ accepted: '12', quantity: '12', amount: '1200.00' })], '0.00', '1200.00');
      expect(reasons(overDelivered)).toEqual(['quantity_over_ordered']);
    });

    it('holds an invoice for goods not received yet as not_received, and only waits for goods', () => {
      // 10 invoiced, 0 accepted: nothing available, 10 over
      const result = match([toner({ accepted: '0' })], '0.00', '1000.00');
      expect(result.holds).toMatchObject([{ reason: 'not_received', expected: '0.0000', actual: '10.0000', variance: '10.0000', allowed: '0.0000' }]);
      expect(result.holds[0]?.detail).toContain('nothing received yet');
      expect(result).toMatchObject({ matched: false, waitingForGoods: true });
      // With a 0% quantity tolerance twice the tolerance is 0, so any quantity
      // variance is above it: accepting it instead of waiting needs a second approval.
      expect(result.needsSecondApproval).toBe(true);
      expect(result.lines).toMatchObject([{ holds: ['not_received'] }]);
    });

    it('holds a partly received line as quantity_over_received, still waiting for goods', () => {
      // 10 invoiced, 6 accepted: 6 available, 4 over
      const result = match([toner({ accepted: '6' })], '0.00', '1000.00');
      expect(result.holds).toMatchObject([{ reason: 'quantity_over_received', expected: '6.0000', actual: '10.0000', variance: '4.0000' }]);
      expect(result.waitingForGoods).toBe(true);
    });

    it('counts what earlier invoices took, cumulatively', () => {
      // accepted 8, 6 invoiced before, 4 now: 6 + 4 = 10 > 8; 8 - 6 = 2 available; 10 - 8 = 2 over
      const overReceived = match([toner({ accepted: '8', invoicedBefore: '6', quantity: '4', amount: '400.00' })], '0.00', '400.00');
      expect(overReceived.holds).toMatchObject([{ reason: 'quantity_over_received', expected: '2.0000', actual: '4.0000', variance: '2.0000' }]);
      expect(overReceived.lines).toMatchObject([{ invoicedBefore: '6', quantity: '4' }]);
      // accepted 6, all 6 invoiced before: nothing available, 6 + 4 - 6 = 4 over
      const nothingLeft = match([toner({ accepted: '6', invoicedBefore: '6', quantity: '4', amount: '400.00' })], '0.00', '400.00');
      expect(nothingLeft.holds).toMatchObject([{ reason: 'not_received', expected: '0.0000', actual: '4.0000', variance: '4.0000' }]);
      // 8 invoiced before out of 10 ordered, 4 now: 2 left to order, 12 - 10 = 2 over; 10 accepted: 2 available
      const overOrdered = match([toner({ invoicedBefore: '8', quantity: '4', amount: '400.00' })], '0.00', '400.00');
      expect(overOrdered.holds).toMatchObject([
        { reason: 'quantity_over_ordered', expected: '2.0000', actual: '4.0000', variance: '2.0000' },
        { reason: 'quantity_over_received', expected: '2.0000', actual: '4.0000', variance: '2.0000' },
      ]);
      // accepted 10, 6 before, 4 now: 10 <= 10
      expect(match([toner({ invoicedBefore: '6', quantity: '4', amount: '400.00' })], '0.00', '400.00').matched).toBe(true);
    });

    it('lets the quantity tolerance percent pass a little over, of what was ordered and of what was accepted', () => {
      const tolerances: MatchTolerances = { ...defaultMatchTolerances, quantityPercent: '5' };
      const line = (quantity: string, amount: string, accepted = '100') => toner({ ordered: '100', accepted, quantity, poUnitPrice: '10.00', amount });
      // 100 + 5% = 105 room: 104 x 10.00 = 1040.00 and 105 x 10.00 = 1050.00 pass
      expect(match([line('104', '1040.00')], '0.00', '1040.00', { tolerances }).matched).toBe(true);
      expect(match([line('105', '1050.00')], '0.00', '1050.00', { tolerances }).matched).toBe(true);
      // 106 > 105: 6 over, 5 allowed, 6 <= 2 x 5
      const over = match([line('106', '1060.00')], '0.00', '1060.00', { tolerances });
      expect(over.holds).toMatchObject([
        { reason: 'quantity_over_ordered', variance: '6.0000', allowed: '5.0000', aboveTwiceTolerance: false },
        { reason: 'quantity_over_received', expected: '100.0000', variance: '6.0000', allowed: '5.0000', aboveTwiceTolerance: false },
      ]);
      expect(over.needsSecondApproval).toBe(false);
      // 40 accepted + 5% = 42: 42 passes, 43 is 3 over with 2 allowed
      expect(match([line('42', '420.00', '40')], '0.00', '420.00', { tolerances }).matched).toBe(true);
      expect(match([line('43', '430.00', '40')], '0.00', '430.00', { tolerances }).holds).toMatchObject([{ reason: 'quantity_over_received', expected: '40.0000', variance: '3.0000', allowed: '2.0000' }]);
    });
  });

  describe('tax and total', () => {
    // 10 x 100.00 at 20%: expected tax 200.00, expected total 1200.00
    const taxed = [toner({ taxRate: '20' })];

    it('accepts a tax difference within the header tolerance (1.00) and says so, never as a hold', () => {
      const over = match(taxed, '200.80', '1200.80');
      expect(over.holds).toEqual([]);
      expect(over.matched).toBe(true);
      expect(over.header).toEqual({ tax: '200.80', expectedTax: '200.00', taxVariance: '0.80', total: '1200.80', expectedTotal: '1200.00', totalVariance: '0.80', acceptedWithinTolerance: '0.80' });
      // exactly 1.00 under: still accepted
      const atLimit = match(taxed, '199.00', '1199.00');
      expect(atLimit.holds).toEqual([]);
      expect(atLimit.header.acceptedWithinTolerance).toBe('-1.00');
    });

    it('holds a tax difference above the header tolerance as tax_mismatch', () => {
      // 201.01 - 200.00 = 1.01 > 1.00; 1.01 <= 2 x 1.00. The total's 1.01 stays
      // inside the band 1.00 + 10 x 2.00 + 20% of 20.00 = 25.00.
      const over = match(taxed, '201.01', '1201.01');
      expect(over.holds).toEqual([
        { reason: 'tax_mismatch', lineId: null, lineNo: null, expected: '200.00', actual: '201.01', variance: '1.01', allowed: '1.00', detail: expect.stringContaining('201.01') as string, aboveTwiceTolerance: false },
      ]);
      expect(over.header.acceptedWithinTolerance).toBeNull();
      expect(over.needsSecondApproval).toBe(false);
      // 197.50 - 200.00 = -2.50; 2.50 > 2 x 1.00
      const under = match(taxed, '197.50', '1197.50');
      expect(under.holds).toMatchObject([{ reason: 'tax_mismatch', variance: '-2.50', aboveTwiceTolerance: true }]);
      expect(under.needsSecondApproval).toBe(true);
    });

    it('holds the total only when it is beyond the price band with its tax and the header tolerance', () => {
      // 10 x 102.00 = 1020.00 (at the price limit), tax 204.00 + 1.00 accepted = 205.00,
      // total 1225.00: 25.00 over 1200.00, inside the band 1.00 + 20.00 + 4.00 + 0.01
      const inside = match([toner({ taxRate: '20', amount: '1020.00' })], '205.00', '1225.00');
      expect(inside.holds).toEqual([]);
      expect(inside.header).toMatchObject({ expectedTax: '204.00', acceptedWithinTolerance: '1.00', totalVariance: '25.00' });
      // 10 x 103.00 = 1030.00, tax 206.00, total 1236.00: 36.00 > 25.01, 36.00 <= 50.02
      const beyond = match([toner({ taxRate: '20', amount: '1030.00' })], '206.00', '1236.00');
      expect(beyond.holds).toMatchObject([
        { reason: 'price_over' },
        { reason: 'total_mismatch', lineId: null, expected: '1200.00', actual: '1236.00', variance: '36.00', allowed: '25.01', aboveTwiceTolerance: false },
      ]);
    });

    // The band allows a cent per line for tax rounded on the invoiced amount and on the PO amount
    // apart (a supplier may be given a header tolerance of 0.00).
    // 1 x 100.02 PO, upper min(5% = 5.001, 2.01) = 2.01; invoiced at 102.03:
    // tax 20% of 102.03 = 20.406 -> 20.41 (exact); at PO 20.004 -> 20.00;
    // total 122.44 - 120.02 = 2.42; band 0.00 + 2.01 + (0.402 -> 0.40) + 0.01 = 2.42.
    it('does not hold the total of a price at the limit with exact tax over a rounding cent (header tolerance 0.00)', () => {
      const tolerances: MatchTolerances = { ...defaultMatchTolerances, header: '0.00', priceUpper: { percent: '5', amount: '2.01' } };
      const result = match([toner({ ordered: '1', accepted: '1', quantity: '1', poUnitPrice: '100.02', taxRate: '20', amount: '102.03' })], '20.41', '122.44', { tolerances });
      expect(result.holds).toEqual([]);
    });
  });

  describe('possible duplicate', () => {
    const duplicateOf = { invoiceId: 'inv-7', invoiceNumber: 'A-100', invoiceDate: '2026-11-30' };

    it('holds a possible duplicate by name, not as a goods hold', () => {
      const result = match([toner()], '0.00', '1000.00', { duplicateOf });
      expect(result.holds).toEqual([
        { reason: 'possible_duplicate', lineId: null, lineNo: null, expected: 'a new invoice', actual: 'A-100', variance: '0', allowed: '0', detail: expect.stringMatching(/A-100.*2026-11-30/) as string, aboveTwiceTolerance: false },
      ]);
      expect(result).toMatchObject({ matched: false, waitingForGoods: false, needsSecondApproval: false });
    });

    it('does not wait for goods when a duplicate is held beside a goods hold', () => {
      const result = match([toner({ accepted: '0' })], '0.00', '1000.00', { duplicateOf });
      expect(reasons(result)).toEqual(['not_received', 'possible_duplicate']);
      expect(result.waitingForGoods).toBe(false);
    });
  });

  describe('credit notes folded in', () => {
    it('matches the net of a price credit: 10 x 105.00 less 50.00 is 1000.00 over 10, 100.0000 a unit', () => {
      // invoice 1050.00 + tax 210.00; credit note -50.00 + tax -10.00: net 1000.00, tax 200.00, total 1200.00
      const result = match([toner({ taxRate: '20', quantity: '10', amount: '1000.00' })], '200.00', '1200.00');
      expect(result.matched).toBe(true);
      expect(result.lines).toMatchObject([{ unitPrice: '100.0000', amount: '1000.00', priceVariance: '0.00' }]);
    });

    it('matches the net of a goods credit: 12 invoiced less 2 credited is the 10 ordered', () => {
      // 12 x 100.00 = 1200.00 less 2 x 100.00 = 200.00: net 10 for 1000.00
      const result = match([toner({ quantity: '10', amount: '1000.00' })], '0.00', '1000.00');
      expect(result.holds).toEqual([]);
    });
  });
});

describe('tolerancesFor', () => {
  it('replaces only what the supplier names', () => {
    const priceUpper = { percent: '5', amount: '10.00' };
    expect(tolerancesFor(defaultMatchTolerances, { priceUpper })).toEqual({ quantityPercent: '0', priceUpper: { percent: '5', amount: '10.00' }, priceLower: { percent: '2', amount: '50.00' }, header: '1.00' });
    expect(tolerancesFor(defaultMatchTolerances, { quantityPercent: '10', header: '5.00' })).toEqual({ ...defaultMatchTolerances, quantityPercent: '10', header: '5.00' });
  });

  it('takes a supplier zero as a value, and no override as the company policy', () => {
    expect(tolerancesFor({ ...defaultMatchTolerances, quantityPercent: '5' }, { quantityPercent: '0', header: '0.00' })).toMatchObject({ quantityPercent: '0', header: '0.00' });
    expect(tolerancesFor(defaultMatchTolerances, null)).toEqual(defaultMatchTolerances);
    expect(tolerancesFor(defaultMatchTolerances, undefined)).toEqual(defaultMatchTolerances);
    expect(tolerancesFor(defaultMatchTolerances, {})).toEqual(defaultMatchTolerances);
  });
});

describe('payment terms', () => {
  it('dates net 30 from 2 December 2026 on 1 January 2027, with no discount', () => {
    // December has 31 days: 2 + 29 = 31 December, + 1 = 1 January
    expect(paymentDates('2026-12-02', { netDays: 30 }, '1065.75')).toEqual({ dueDate: '2027-01-01', discountDate: null, discountAmount: null, terms: 'net 30' });
  });

  it('gives 2/10 net 30 a discount date ten days on and 2% of the total, rounded half away from zero', () => {
    // 1065.75 x 2% = 21.315 -> 21.32; 2 + 10 = 12 December
    expect(paymentDates('2026-12-02', { netDays: 30, discountPercent: '2', discountDays: 10 }, '1065.75')).toEqual({ dueDate: '2027-01-01', discountDate: '2026-12-12', discountAmount: '21.32', terms: '2/10 net 30' });
    // 1000.00 x 1.5% = 15.00; 1234.56 x 1.5% = 18.5184 -> 18.52
    expect(paymentDates('2026-12-02', { netDays: 30, discountPercent: '1.5', discountDays: 10 }, '1000.00').discountAmount).toBe('15.00');
    expect(paymentDates('2026-12-02', { netDays: 30, discountPercent: '1.50', discountDays: 10 }, '1234.56')).toMatchObject({ discountAmount: '18.52', terms: '1.5/10 net 30' });
  });

  it('takes no discount without days or with a zero percent', () => {
    expect(paymentDates('2026-12-02', { netDays: 30, discountPercent: '2', discountDays: null }, '100.00')).toMatchObject({ discountDate: null, discountAmount: null, terms: 'net 30' });
    expect(paymentDates('2026-12-02', { netDays: 30, discountPercent: '0.00', discountDays: 10 }, '100.00')).toMatchObject({ discountDate: null, discountAmount: null });
  });

  it('dues net 0 the same day', () => {
    expect(paymentDates('2026-12-02', { netDays: 0 }, '100.00')).toMatchObject({ dueDate: '2026-12-02', terms: 'net 0' });
  });

  it('rolls over months and years, leap years included', () => {
    // 20 December + 45: 11 to 31 December, 31 more to 31 January, 3 more: 3 February 2027
    expect(paymentDates('2026-12-20', { netDays: 45 }, '100.00')).toMatchObject({ dueDate: '2027-02-03', terms: 'net 45' });
    // 31 January 2027 + 30: 28 to 28 February, 2 more: 2 March
    expect(paymentDates('2027-01-31', { netDays: 30 }, '100.00').dueDate).toBe('2027-03-02');
    // 31 January 2028 + 30: 29 to 29 February (a leap year), 1 more: 1 March
    expect(paymentDates('2028-01-31', { netDays: 30 }, '100.00').dueDate).toBe('2028-03-01');
    // 25 December + 10 days' discount: 4 January
    expect(paymentDates('2026-12-25', { netDays: 30, discountPercent: '2', discountDays: 10 }, '100.00').discountDate).toBe('2027-01-04');
  });

  it('labels the terms as "2/10 net 30" or "net 45"', () => {
    expect(termsLabel({ netDays: 30, discountPercent: '2', discountDays: 10 })).toBe('2/10 net 30');
    // The database returns numeric(5,2): trailing zeros dropped.
    expect(termsLabel({ netDays: 30, discountPercent: '2.00', discountDays: 10 })).toBe('2/10 net 30');
    expect(termsLabel({ netDays: 30, discountPercent: '2.50', discountDays: 10 })).toBe('2.5/10 net 30');
    expect(termsLabel({ netDays: 45 })).toBe('net 45');
    expect(termsLabel({ netDays: 45, discountPercent: null, discountDays: null })).toBe('net 45');
  });

  // Only zeros after the point go: '10' stays 10, '2.50' reads 2.5.
  it('labels a whole percent ending in zero without losing the zero', () => {
    expect(termsLabel({ netDays: 30, discountPercent: '10', discountDays: 10 })).toBe('10/10 net 30');
  });
});

describe('the payment task form (invoice_payment, mark_paid)', () => {
  // Today is 20 December 2026 (UTC). The task's details as the workflow writes
  // them: 2/10 net 30 on 1065.75 from 2 December.
  const details = { amount: '1065.75', dueDate: '2027-01-01', discountDate: '2026-12-12', discountAmount: '21.32' };
  const pay = (paidOn: string, amount: string, taskDetails: Record<string, unknown> = details) => checkTaskData('invoice_payment', 'mark_paid', { reference: 'BANK-881', paidOn, amount }, taskDetails);

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-20T12:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes the open amount on any day up to today', () => {
    expect(pay('2026-12-20', '1065.75')).toEqual({ ok: true, data: { reference: 'BANK-881', paidOn: '2026-12-20', amount: '1065.75' } });
    expect(pay('2026-12-10', '1065.75').ok).toBe(true);
  });

  it('takes the amount less the discount when paid by the discount date', () => {
    // 1065.75 - 21.32 = 1044.43
    expect(pay('2026-12-10', '1044.43').ok).toBe(true);
    // the discount's last day still counts
    expect(pay('2026-12-12', '1044.43').ok).toBe(true);
  });

  it('refuses the discounted amount after the discount date, naming data.amount', () => {
    expect(pay('2026-12-13', '1044.43')).toEqual({ ok: false, issues: [{ path: 'data.amount', message: 'the open amount is 1065.75' }] });
  });

  it('refuses any other amount, giving the discounted one when it is still to be had', () => {
    expect(pay('2026-12-10', '1000.00')).toEqual({ ok: false, issues: [{ path: 'data.amount', message: 'the open amount is 1065.75 (1044.43 with the early-payment discount)' }] });
    // without discount terms the discounted amount is just wrong
    expect(pay('2026-12-10', '1044.43', { amount: '1065.75', discountDate: null, discountAmount: null })).toMatchObject({ ok: false, issues: [{ path: 'data.amount' }] });
  });

  it('refuses a payment dated in the future (data.paidOn)', () => {
    expect(pay('2026-12-21', '1065.75')).toEqual({ ok: false, issues: [{ path: 'data.paidOn', message: expect.stringContaining('today or earlier') as string }] });
    // a future day and a wrong amount: both named
    const both = pay('2026-12-21', '1.00');
    expect(both.ok ? [] : both.issues.map((issue) => issue.path)).toEqual(['data.paidOn', 'data.amount']);
  });

  it('refuses what the form schema refuses, at its field', () => {
    const zero = pay('2026-12-20', '0');
    expect(zero.ok ? [] : zero.issues.map((issue) => issue.path)).toEqual(['data.amount']);
    const noReference = checkTaskData('invoice_payment', 'mark_paid', { paidOn: '2026-12-20', amount: '1065.75' }, details);
    expect(noReference.ok ? [] : noReference.issues.map((issue) => issue.path)).toEqual(['data.reference']);
  });
});
