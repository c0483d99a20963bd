import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatMailDate, formatMoney, formatQuantity } from './format.ts';
import { mailTemplateNames, type MailTemplate, type MailTemplates, type MailTone } from './templates.ts';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/**
 * Renders one e-mail: subject, HTML part (inside layout.html.hbs) and text
 * part (inside layout.text.hbs).
 *
 * Escaping: the HTML part escapes every `{{value}}` (Handlebars' default) and
 * no template uses `{{{ }}}`, so user data (titles, comments, names) can never
 * become markup. Subject and text are plain text, compiled with `noEscape`:
 * escaping there would show "R&amp;D" to the reader, and plain text has no
 * markup to inject. Templates run in strict mode: a misspelt field throws
 * here, in tests, instead of rendering an empty gap.
 */
export function renderMail<T extends MailTemplate>(template: T, data: MailTemplates[T]): RenderedMail {
  const compiled = compiledTemplate(template);
  // Header folding is nodemailer's job; a line break typed into a title must not reach it.
  const subject = compiled.subject(data).replace(/\s+/g, ' ').trim();
  const options = { data: { subject } };
  return { subject, html: compiled.html(data, options), text: tidyText(compiled.text(data, options)) };
}

type Compiled = Record<'subject' | 'html' | 'text', HandlebarsTemplateDelegate>;

const templatesDir = fileURLToPath(new URL('./templates/', import.meta.url));
const cache = new Map<MailTemplate, Compiled>();
let environments: { html: typeof Handlebars; text: typeof Handlebars } | undefined;

function compiledTemplate(template: MailTemplate): Compiled {
  let compiled = cache.get(template);
  if (!compiled) {
    if (!mailTemplateNames.includes(template)) throw new Error(`unknown mail template: ${String(template)}`);
    const { html, text } = (environments ??= createEnvironments());
    compiled = {
      subject: text.compile(read(`${template}.subject.hbs`), { strict: true, noEscape: true }),
      html: html.compile(read(`${template}.html.hbs`), { strict: true }),
      text: text.compile(read(`${template}.text.hbs`), { strict: true, noEscape: true }),
    };
    cache.set(template, compiled);
  }
  return compiled;
}

/** Two environments so that `layout`, `details`... resolve to the HTML or the text version of the partial. */
function createEnvironments() {
  const partialFiles = readdirSync(templatesDir).filter((file) => file.startsWith('_') || file.startsWith('layout.'));
  const create = (kind: 'html' | 'text') => {
    const env = Handlebars.create();
    registerHelpers(env, kind);
    for (const file of partialFiles) {
      const match = /^_?([\w-]+)\.(html|text)\.hbs$/.exec(file);
      if (match?.[2] !== kind) continue;
      // _link-note.html.hbs -> {{> linkNote}}
      const name = match[1]!.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
      env.registerPartial(name, env.compile(read(file), { strict: true, noEscape: kind === 'text' }));
    }
    return env;
  };
  return { html: create('html'), text: create('text') };
}

/** Fixed colours per tone (positive green, negative red, anything else neutral); the values come from this table, never from data. */
const buttonColors: Record<MailTone, { background: string; color: string; border: string }> = {
  positive: { background: '#15803d', color: '#ffffff', border: '#15803d' },
  negative: { background: '#ffffff', color: '#b91c1c', border: '#fca5a5' },
  primary: { background: '#0f172a', color: '#ffffff', border: '#0f172a' },
  neutral: { background: '#ffffff', color: '#1e293b', border: '#cbd5e1' },
};

/**
 * The decision badge: the two outcomes every approval knows get their
 * colour; any other outcome is neutral. `attention` (amber) is for badges the
 * templates set themselves (a revision, a proposed date), never an outcome.
 */
const badgeColors: Record<string, { background: string; color: string }> = {
  approved: { background: '#dcfce7', color: '#166534' },
  rejected: { background: '#fee2e2', color: '#991b1b' },
  attention: { background: '#fef3c7', color: '#92400e' },
  other: { background: '#e2e8f0', color: '#334155' },
};

function registerHelpers(env: typeof Handlebars, kind: 'html' | 'text') {
  env.registerHelper('money', (amount: unknown, currency: unknown) =>
    formatMoney(String(amount), typeof currency === 'string' ? currency : undefined),
  );
  env.registerHelper('date', (value: unknown) => formatMailDate(value instanceof Date ? value : String(value)));
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('buttonColors', (tone: unknown) =>
    typeof tone === 'string' && Object.hasOwn(buttonColors, tone) ? buttonColors[tone as MailTone] : buttonColors.neutral,
  );
  env.registerHelper('badgeColors', (decision: unknown) =>
    decision === 'approved' || decision === 'rejected' || decision === 'attention' ? badgeColors[decision] : badgeColors.other,
  );
  env.registerHelper('qty', (value: unknown) => formatQuantity(String(value)));
  // "1 business day", "3 business days".
  env.registerHelper('plural', (count: unknown, one: unknown, many: unknown) => `${String(count)} ${String(count === 1 ? one : many)}`);
  // Joins its arguments; Handlebars passes its options object last.
  env.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  // Labels from data inside a sentence: "Your purchase order was approved"; an acronym ("RFQ") stays as it is.
  env.registerHelper('lowerFirst', (value: unknown) => {
    const text = String(value);
    return /^[A-Z][^A-Z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
  });
  // Text part: "Label:" padded to one column, so the values line up whatever the labels.
  env.registerHelper('column', (label: unknown) => `${String(label)}:`.padEnd(15).replace(/(\S)$/, '$1 '));
  // Comments and questions keep their line breaks: escaped first, then each newline becomes <br>.
  env.registerHelper('multiline', (value: unknown) =>
    kind === 'text' ? String(value) : new env.SafeString(env.escapeExpression(String(value)).replace(/\r?\n/g, '<br>')),
  );
}

function read(file: string): string {
  return readFileSync(`${templatesDir}${file}`, 'utf8');
}

/** Templates are indented for their authors; readers get no trailing spaces and at most one blank line. */
function tidyText(text: string): string {
  return `${text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
