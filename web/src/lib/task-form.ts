/**
 * The form an action carries ("prepare PO": prices and dates), read from the
 * JSON Schema the API publishes per action (GET /tasks/kinds), which it
 * derives from the same zod schema it validates with. One reading of that
 * schema serves both sides: the dialog renders these fields, and the server
 * turns the submitted `data.<field>` values back into typed data.
 * No zod here: the browser imports it.
 */

export type JsonSchema = Record<string, unknown>;

export type TaskFormInput = 'text' | 'decimal' | 'date' | 'integer' | 'number' | 'checkbox' | 'select';

export type Choice = string | number | boolean;

export interface TaskFormField {
  name: string;
  label: string;
  /** The schema's description, shown under the input (unless it became the label). */
  hint: string | null;
  input: TaskFormInput;
  required: boolean;
  /** The allowed values of a select, as the API expects them. */
  choices: readonly Choice[];
  min: number | null;
  max: number | null;
  maxLength: number | null;
}

/** The kinds as GET /tasks/kinds lists them, as far as forms go. */
export type KindForms = readonly { kind: string; actions: readonly { name: string; formSchema: JsonSchema | null }[] }[];

/** The JSON Schema of what `action` on a task of `kind` carries; null when it carries nothing. */
export function formSchemaOf(kinds: KindForms, kind: string, action: string): JsonSchema | null {
  return kinds.find((view) => view.kind === kind)?.actions.find((view) => view.name === action)?.formSchema ?? null;
}

/** Form fields are posted as `data.<name>`, the path the API reports problems under. */
export const formFieldName = (field: Pick<TaskFormField, 'name'>) => `data.${field.name}`;

const isRecord = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNull = (schema: unknown) => isRecord(schema) && schema.type === 'null';
const numberOrNull = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** `unitPrice` -> "Unit price", `deliver_by` -> "Deliver by". */
export function humanise(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replaceAll('_', ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A nullable property reads as its non-null variant (`anyOf [x, null]`, `type: [x, 'null']`). */
function withoutNull(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) {
    const kept = variants.filter((variant) => !isNull(variant));
    const inner = kept.length === 1 && isRecord(kept[0]) ? kept[0] : schema;
    return { schema: { ...schema, ...inner }, nullable: kept.length < variants.length };
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== 'null');
    return { schema: { ...schema, type: types.length === 1 ? types[0] : types }, nullable: types.length < schema.type.length };
  }
  return { schema, nullable: false };
}

/** A string pattern of digits (`\d` or `[0-9]`, as the domain's decimalString writes it) and a decimal point: money, quantities. */
const isDecimalPattern = (pattern: unknown) => typeof pattern === 'string' && (pattern.includes('\\d') || pattern.includes('[0-9]')) && pattern.includes('\\.');

function inputOf(schema: JsonSchema): TaskFormInput {
  if (Array.isArray(schema.enum)) return 'select';
  if (schema.type === 'boolean') return 'checkbox';
  if (schema.type === 'integer') return 'integer';
  if (schema.type === 'number') return 'number';
  if (schema.format === 'date') return 'date';
  if (isDecimalPattern(schema.pattern)) return 'decimal';
  return 'text';
}

/** The fields of an action's form, in the schema's order; none when the action carries no data. */
export function formFieldsOf(formSchema: JsonSchema | null | undefined): TaskFormField[] {
  const properties = isRecord(formSchema?.properties) ? formSchema.properties : {};
  const required = new Set(Array.isArray(formSchema?.required) ? formSchema.required : []);
  return Object.entries(properties).flatMap(([name, property]) => {
    if (!isRecord(property)) return [];
    const { schema, nullable } = withoutNull(property);
    const title = typeof schema.title === 'string' ? schema.title : null;
    const description = typeof schema.description === 'string' ? schema.description : null;
    // A short description reads as a label; a sentence stays a hint under the input.
    const shortDescription = !title && description && description.length <= 40 && !description.endsWith('.') ? description : null;
    const input = inputOf(schema);
    return [
      {
        name,
        label: title ?? shortDescription ?? humanise(name),
        hint: shortDescription ? null : description,
        input,
        required: required.has(name) && !nullable && input !== 'checkbox',
        choices: Array.isArray(schema.enum) ? schema.enum.filter((value): value is Choice => ['string', 'number', 'boolean'].includes(typeof value)) : [],
        min: numberOrNull(schema.minimum),
        max: numberOrNull(schema.maximum),
        maxLength: numberOrNull(schema.maxLength)
      }
    ];
  });
}

/**
 * The submitted form back as the action's data: numbers as numbers, a
 * checkbox as true or false, a select as the value the schema names, other
 * text as typed. An empty field is left out, so "required" is the API's to
 * say. A number that does not parse is sent as typed, for the API to refuse
 * next to its field.
 */
export function formDataFrom(fields: readonly TaskFormField[], form: FormData): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = form.get(formFieldName(field));
    if (field.input === 'checkbox') {
      data[field.name] = raw === 'true' || raw === 'on';
      continue;
    }
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    if (field.input === 'integer' || field.input === 'number') {
      const value = Number(raw.trim());
      data[field.name] = Number.isFinite(value) ? value : raw;
    } else if (field.input === 'select') {
      data[field.name] = field.choices.find((choice) => String(choice) === raw) ?? raw;
    } else {
      data[field.name] = field.input === 'decimal' ? raw.trim() : raw;
    }
  }
  return data;
}

/**
 * A form holding a list (the lines of an order) cannot be flat fields: its
 * kind renders it with a component of its own (`$lib/components/task-forms`),
 * and the server reads it with `structuredDataFrom`.
 */
export function isStructuredForm(formSchema: JsonSchema | null | undefined): boolean {
  const properties = isRecord(formSchema?.properties) ? formSchema.properties : {};
  return Object.values(properties).some((property) => isRecord(property) && (property.type === 'array' || property.type === 'object'));
}

const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
/** More rows than any form of ours has; a bigger index is a forged field, not a line. */
const MAX_ROWS = 500;

/**
 * A structured form back as the action's data. Its inputs are named by the
 * path the API reports problems under (`data.lines.0.unitPrice`), so a
 * refusal lands at its input; a number segment makes a list. Text is kept as
 * typed (trimmed: decimals stay strings, nothing goes through a float) and an
 * empty field is left out, so "required" is the API's to say.
 */
export function structuredDataFrom(form: FormData): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [name, raw] of form.entries()) {
    if (!name.startsWith('data.') || typeof raw !== 'string' || raw.trim() === '') continue;
    const path = name.split('.').slice(1);
    if (path.length === 0 || path.some((key) => key === '' || UNSAFE_KEYS.has(key) || (/^\d+$/.test(key) && Number(key) >= MAX_ROWS))) continue;
    let node: Record<string, unknown> | unknown[] = data;
    path.forEach((key, index) => {
      const last = index === path.length - 1;
      const slot = /^\d+$/.test(key) ? Number(key) : key;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[slot] = raw.trim();
        return;
      }
      const nextIsIndex = /^\d+$/.test(path[index + 1]!);
      const existing = container[slot];
      if (typeof existing !== 'object' || existing === null) container[slot] = nextIsIndex ? [] : {};
      node = container[slot] as Record<string, unknown> | unknown[];
    });
  }
  return fillHoles(data) as Record<string, unknown>;
}

/** A row with every field blank is an empty row, not a hole: indexes stay those of the form, so refusals stay at their row. */
function fillHoles(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, (entry) => fillHoles(entry ?? {}));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, fillHoles(entry)]));
  return value;
}
