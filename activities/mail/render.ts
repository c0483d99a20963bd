import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatMailDate, formatMoney } from './format.ts';
import { mailTemplateNames, type MailTemplate, type MailTemplates } from './templates.ts';

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

/** Fixed colours per action; the values come from this table, never from data. */
const buttonColors: Record<string, { background: string; color: string; border: string }> = {
  approve: { background: '#15803d', color: '#ffffff', border: '#15803d' },
  answer: { background: '#0f766e', color: '#ffffff', border: '#0f766e' },
  primary: { background: '#0f172a', color: '#ffffff', border: '#0f172a' },
  reject: { background: '#ffffff', color: '#b91c1c', border: '#fca5a5' },
  neutral: { background: '#ffffff', color: '#1e293b', border: '#cbd5e1' },
};

function registerHelpers(env: typeof Handlebars, kind: 'html' | 'text') {
  env.registerHelper('money', (amount: unknown, currency: unknown) =>
    formatMoney(String(amount), typeof currency === 'string' ? currency : undefined),
  );
  env.registerHelper('date', (value: unknown) => formatMailDate(value instanceof Date ? value : String(value)));
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('buttonColors', (action: unknown) => buttonColors[String(action)] ?? buttonColors.neutral);
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
