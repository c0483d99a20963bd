import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formDataFrom, formFieldsOf, type TaskFormField } from '../../web/src/lib/task-form.ts';

/**
 * The inbox renders an action's form from the JSON Schema GET /tasks/kinds
 * publishes, and the web server types the posted values back by the same
 * reading. The schema here is made the way the API makes it, from zod.
 */
const published = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

const preparePo = z.object({
  // A decimal published with its pattern (decimalString's refinement alone publishes none).
  unitPrice: z.string().regex(/^\d{1,15}(\.\d{1,4})?$/),
  deliverBy: z.iso.date().describe('When the supplier delivers'),
  quantity: z.int().min(1).meta({ title: 'Number of boxes' }),
  weight: z.number().nullable().optional(),
  urgent: z.boolean(),
  incoterm: z.enum(['EXW', 'DAP', 'DDP']),
  supplier_reference: z.string().max(80).optional(),
});

const byName = (fields: TaskFormField[]) => Object.fromEntries(fields.map((field) => [field.name, field]));

describe('task forms from the published schema', () => {
  const fields = formFieldsOf(published(preparePo));
  const field = byName(fields);

  it('picks an input per type, in the schema order, with labels and required marks', () => {
    expect(fields.map((entry) => [entry.name, entry.input, entry.label, entry.required])).toEqual([
      ['unitPrice', 'decimal', 'Unit price', true],
      ['deliverBy', 'date', 'When the supplier delivers', true],
      ['quantity', 'integer', 'Number of boxes', true],
      ['weight', 'number', 'Weight', false],
      ['urgent', 'checkbox', 'Urgent', false],
      ['incoterm', 'select', 'Incoterm', true],
      ['supplier_reference', 'text', 'Supplier reference', false],
    ]);
    expect(field.incoterm?.choices).toEqual(['EXW', 'DAP', 'DDP']);
    expect(field.quantity?.min).toBe(1);
    expect(field.supplier_reference?.maxLength).toBe(80);
  });

  it('types what was posted: numbers, true or false, decimals as text, empty fields left out', () => {
    const form = new FormData();
    form.set('data.unitPrice', ' 12.50 ');
    form.set('data.deliverBy', '2026-12-24');
    form.set('data.quantity', '3');
    form.set('data.weight', '');
    form.set('data.incoterm', 'DAP');
    form.set('data.supplier_reference', 'PO ref 7');
    expect(formDataFrom(fields, form)).toEqual({ unitPrice: '12.50', deliverBy: '2026-12-24', quantity: 3, urgent: false, incoterm: 'DAP', supplier_reference: 'PO ref 7' });
    expect(preparePo.safeParse(formDataFrom(fields, form)).success).toBe(true);

    form.set('data.urgent', 'true');
    form.set('data.quantity', 'three');
    expect(formDataFrom(fields, form)).toMatchObject({ urgent: true, quantity: 'three' });
  });

  it('reads no fields from an action without a form', () => {
    expect(formFieldsOf(null)).toEqual([]);
    expect(formDataFrom([], new FormData())).toEqual({});
  });
});
