import { z } from 'zod';
import { pageOf, projectSchema, supplierSchema, type RequisitionBody } from '@p2p/domain';
import { apiFetch, type ApiEvent } from './api';
import { formText, formTexts } from './form';

/** The requisition form as typed: strings throughout, so a refused form comes back exactly as it was. */
export interface RequisitionFormValues {
  title: string;
  purpose: string;
  projectId: string;
  neededBy: string;
  lines: { description: string; quantity: string; unit: string; unitPrice: string; supplierId: string; glCode: string }[];
}

/** Reads the line editor: each line's inputs share a name, so the n-th value of each belongs to line n. */
export function readRequisitionForm(form: FormData): RequisitionFormValues {
  const column = (name: string) => formTexts(form, `line.${name}`);
  const descriptions = column('description');
  const [quantities, units, unitPrices, supplierIds, glCodes] = ['quantity', 'unit', 'unitPrice', 'supplierId', 'glCode'].map(column);
  return {
    title: formText(form, 'title'),
    purpose: formText(form, 'purpose'),
    projectId: formText(form, 'projectId'),
    neededBy: formText(form, 'neededBy'),
    lines: descriptions.map((description, index) => ({
      description,
      quantity: quantities?.[index] ?? '',
      unit: units?.[index] ?? '',
      unitPrice: unitPrices?.[index] ?? '',
      supplierId: supplierIds?.[index] ?? '',
      glCode: glCodes?.[index] ?? ''
    }))
  };
}

/**
 * The API body. Blank optional fields are left out rather than sent as '';
 * validation is the API's (the domain's requisitionBody), which names each
 * refused field by its path.
 */
export function requisitionBodyOf(values: RequisitionFormValues): RequisitionBody {
  const optional = (value: string) => (value.trim() ? value.trim() : undefined);
  return {
    title: values.title,
    purpose: values.purpose as RequisitionBody['purpose'],
    projectId: values.purpose === 'project' ? optional(values.projectId) : undefined,
    neededBy: optional(values.neededBy),
    lines: values.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity.trim(),
      unit: line.unit.trim() || 'each',
      unitPrice: line.unitPrice.trim(),
      supplierId: optional(line.supplierId),
      glCode: optional(line.glCode)
    }))
  };
}

const projectList = z.object({ items: z.array(projectSchema) });

/** Suppliers and projects for the form's selects (active ones only). */
export async function loadFormReferences(event: ApiEvent) {
  const [suppliers, projects] = await Promise.all([
    apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }),
    apiFetch(event, '/projects', { schema: projectList })
  ]);
  return {
    suppliers: suppliers.items.filter((supplier) => supplier.active).map(({ id, name }) => ({ id, name })),
    projects: projects.items.filter((project) => project.active).map(({ id, code, name }) => ({ id, code, name }))
  };
}
