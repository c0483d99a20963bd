import { describe, expect, it } from 'vitest';
import { toCsv } from '../../api/csv.ts';

describe('CSV exports', () => {
  it('quotes commas, semicolons, quotes and line breaks (RFC 4180)', () => {
    expect(toCsv(['a', 'b'], [['x, y', 'say "hi"'], ['line\nbreak', null], ['a;b', 'ok']])).toBe('a,b\r\n"x, y","say ""hi"""\r\n"line\nbreak",\r\n"a;b",ok\r\n');
  });

  it('defuses cells a spreadsheet would run as formulas (OWASP: = + - @ tab CR LF, and their full-width forms)', () => {
    expect(toCsv(['c'], [['=HYPERLINK("http://evil")'], ['+1'], ['-2'], ['@SUM(A1)'], ['\t=1+1'], ['\r=1'], ['\n=1'], ['＝1+1'], ['ok'], ['1-2']])).toBe(
      'c\r\n"\'=HYPERLINK(""http://evil"")"\r\n\'+1\r\n\'-2\r\n\'@SUM(A1)\r\n\'\t=1+1\r\n"\'\r=1"\r\n"\'\n=1"\r\n\'＝1+1\r\nok\r\n1-2\r\n',
    );
  });
});
