/**
 * An ILIKE pattern matching `text` anywhere, as typed: the wildcards % and _
 * and the escape \ in a search are characters to find, not pattern syntax
 * (a search for "50%" finds "50%", not every title with "50").
 */
export const containing = (text: string) => `%${text.replace(/[%_\\]/g, (char) => `\\${char}`)}%`;
