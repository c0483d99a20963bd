/** Our company as its documents show it: the letterhead of every purchase order. */
export interface CompanyProfile {
  name: string;
  addressLines: string[];
  taxId: string | null;
  email: string | null;
  phone: string | null;
}

/** The demo company: what a fresh `npm start` prints on its orders. */
export const demoCompanyProfile: CompanyProfile = {
  name: 'Acme Manufacturing GmbH',
  addressLines: ['Industriestrasse 12', '70565 Stuttgart', 'Germany'],
  taxId: 'DE123456789',
  email: 'purchasing@acme.example',
  phone: '+49 711 555 0100',
};

/**
 * The letterhead from COMPANY_NAME, COMPANY_ADDRESS (lines separated by "|"
 * or a newline), COMPANY_TAX_ID, COMPANY_EMAIL and COMPANY_PHONE. Meant to be
 * called once by the deployable's config module. Without COMPANY_NAME the
 * whole demo profile applies, so a real company never prints half of the
 * demo's address; with it, an unset field is simply left off the document.
 */
export type CompanyEnv = Partial<Record<'COMPANY_NAME' | 'COMPANY_ADDRESS' | 'COMPANY_TAX_ID' | 'COMPANY_EMAIL' | 'COMPANY_PHONE', string | undefined>>;

export function companyProfileFromEnv(env: CompanyEnv): CompanyProfile {
  const value = (name: keyof CompanyEnv) => env[name]?.trim() || null;
  const name = value('COMPANY_NAME');
  if (!name) return { ...demoCompanyProfile, addressLines: [...demoCompanyProfile.addressLines] };
  const addressLines = (value('COMPANY_ADDRESS') ?? '')
    .split(/\||\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return { name, addressLines, taxId: value('COMPANY_TAX_ID'), email: value('COMPANY_EMAIL'), phone: value('COMPANY_PHONE') };
}
