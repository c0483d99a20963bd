/** `user:<id>` or `supplier_contact:<id>`, as the person pickers of the personal-data page send it; the API checks both parts. */
export function personFrom(value: string): { personKind: string; personId: string } {
  const [personKind = '', personId = ''] = value.split(':');
  return { personKind, personId };
}
