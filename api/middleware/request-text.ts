import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { AppError } from '../errors.ts';

/** Deeper than any body we define (a requisition is 3 levels); far below what would strain a parser or a walker. */
export const MAX_JSON_DEPTH = 32;

const jsonMediaType = /^application\/([\w.-]+\+)?json$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A query parameter whose %-escapes do not decode to UTF-8 text: the router
 * would hand the route the raw escapes as if they were the text. 400 naming
 * the parameter, like any other invalid one.
 */
export function queryTextGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const query = c.req.url.split('?')[1]?.split('#')[0];
    if (!query) return next();
    for (const pair of query.split('&')) {
      const [name = '', value = ''] = pair.split('=');
      for (const part of [name, value]) {
        try {
          decodeURIComponent(part.replaceAll('+', ' '));
        } catch {
          const path = `query.${safeName(name)}`;
          throw new AppError('validation', `${path}: not valid UTF-8 once %-decoded`, { errors: [{ path, message: 'not valid UTF-8 once %-decoded' }] });
        }
      }
    }
    return next();
  };
}

const safeName = (name: string) => {
  try {
    return decodeURIComponent(name);
  } catch {
    return '(name)';
  }
};

/**
 * What JSON.parse lets through and we refuse, before a route reads the body:
 * bytes that are not UTF-8 (a lenient decoder would store U+FFFD in their
 * place), a key given twice in one object (parsers disagree on which one
 * counts; a reviewer reading the first would approve what the second says),
 * and nesting beyond MAX_JSON_DEPTH. Malformed JSON is left to the route's
 * parser. The body stays cached for the route (c.req keeps what was read).
 */
export function jsonBodyGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim() ?? '';
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || !jsonMediaType.test(mediaType)) return next();
    const bytes = await c.req.arrayBuffer();
    let body: string;
    try {
      body = utf8.decode(bytes);
    } catch {
      throw new AppError('validation', '(body): not valid UTF-8', { errors: [{ path: '(body)', message: 'not valid UTF-8' }] });
    }
    const problem = scanJson(body);
    if (problem) throw new AppError('validation', `${problem.path}: ${problem.message}`, { errors: [problem] });
    return next();
  };
}

interface Frame {
  kind: 'object' | 'array';
  keys: Set<string>;
  /** The current key (object) or index (array). */
  at: string | number;
  expectKey: boolean;
}

/**
 * One pass over the text, tracking only structure: objects, arrays, strings
 * (for keys) and the path to where we are. Returns the first duplicate key or
 * excessive depth, with its path as the validation errors name fields.
 */
export function scanJson(text: string): { path: string; message: string } | undefined {
  const stack: Frame[] = [];
  const pathOf = (extra?: string) => [...stack.map((frame) => String(frame.at)).filter((part) => part !== ''), ...(extra === undefined ? [] : [extra])].join('.') || '(body)';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') {
      const start = i;
      for (i += 1; i < text.length && text[i] !== '"'; i += 1) if (text[i] === '\\') i += 1;
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return undefined; // malformed: the route's parser answers it
        }
        if (top.keys.has(key)) return { path: pathOf(key), message: 'duplicate key' };
        top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
    } else if (char === '{' || char === '[') {
      if (stack.length >= MAX_JSON_DEPTH) return { path: pathOf(), message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
      stack.push(char === '{' ? { kind: 'object', keys: new Set(), at: '', expectKey: true } : { kind: 'array', keys: new Set(), at: 0, expectKey: false });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      const top = stack.at(-1);
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.at = (top.at as number) + 1;
    }
  }
  return undefined;
}
