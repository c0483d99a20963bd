import type { ActivityDeps } from '../activities/index.ts';
import { demoCompanyProfile, type CompanyProfile } from '../activities/documents/company.ts';
import { createActionLinks } from '../activities/mail/action-links.ts';
import { createMailer } from '../activities/mail/mailer.ts';
import { createMailTransport, type MailTransport } from '../activities/mail/transport.ts';
import { createSupplierLinks } from '../activities/supplier-links.ts';
import type { Database } from '../db/client.ts';
import { createPersonalDataCipher } from '../db/encryption.ts';
import type { Keyring } from '../config/personal-data-keys.ts';

export interface ActivityDepsParams {
  db: Database;
  /** SMTP_URL; unset keeps mail in the outbox only (dev mode). */
  smtpUrl?: string | undefined;
  /** A transport given directly (tests hand in one that talks to their SMTP server). */
  transport?: MailTransport | undefined;
  mailFrom: string;
  /** Signs e-mail action links; the API verifies with the same secret. */
  secret: string;
  publicUrl: string;
  /** The company block of PO PDFs and supplier mails (from the COMPANY_* variables); the demo company when not given. */
  company?: CompanyProfile;
  /** Opens supplier contacts' sealed phone and address (PO PDFs, erasures): the API's keys. */
  personalDataKeys: Keyring;
  clock?: () => Date;
}

/** The real parts behind the activities: database, mailer, action and supplier links, the company profile. */
export function createActivityDeps(params: ActivityDepsParams): ActivityDeps {
  const clock = params.clock ?? (() => new Date());
  return {
    db: params.db,
    clock,
    publicUrl: params.publicUrl.replace(/\/$/, ''),
    mail: createMailer({ db: params.db, transport: params.transport ?? createMailTransport(params.smtpUrl), from: params.mailFrom, clock }),
    links: createActionLinks({ db: params.db, secret: params.secret, publicUrl: params.publicUrl, clock }),
    supplierLinks: createSupplierLinks({ db: params.db, secret: params.secret, publicUrl: params.publicUrl, clock }),
    company: params.company ?? demoCompanyProfile,
    personalData: createPersonalDataCipher(params.personalDataKeys),
  };
}
