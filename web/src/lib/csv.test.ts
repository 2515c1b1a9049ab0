import { describe, expect, it } from 'vitest';
import { importErrorsCsv, importTemplateCsv, toCsv } from './csv';

const BOM = '\uFEFF';

describe('toCsv', () => {
  it('quotes separators, quotes and newlines', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['two\nlines', null]])).toBe(
      `${BOM}a,b\r\n"x,y","say ""hi"""\r\n"two\nlines",\r\n`,
    );
  });

  it('neutralises formulas but keeps phone numbers', () => {
    expect(toCsv(['v'], [['=1+1'], ['+33612345678'], ['-cmd|x'], ['@sum']])).toBe(
      `${BOM}v\r\n'=1+1\r\n+33612345678\r\n'-cmd|x\r\n'@sum\r\n`,
    );
  });
});

describe('import files', () => {
  it('the template names the columns the import reads', () => {
    const firstLine = importTemplateCsv().slice(1).split('\r\n')[0];
    expect(firstLine).toBe('phone,first_name,last_name,time_zone');
  });

  it('rejected lines become a line,reason file', () => {
    expect(importErrorsCsv([{ line: 3, reason: 'invalid phone number: "abc"' }])).toBe(
      `${BOM}line,reason\r\n3,"invalid phone number: ""abc"""\r\n`,
    );
  });
});
