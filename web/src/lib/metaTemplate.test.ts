import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../api/types';
import {
  catalogKey,
  emptyFixedTexts,
  findCatalogItem,
  isSendable,
  mappingRows,
  renderTemplateText,
  savedDraft,
  templateMessage,
  templatePlaceholders,
  templateRequest,
  type MappingRow,
} from './metaTemplate';

const alice = { first_name: 'Alice', last_name: '  ', phone: '+33612345678' };

function catalogItem(change: Partial<CatalogItem>): CatalogItem {
  return {
    name: 'spring_sale',
    language: 'fr',
    category: 'marketing',
    status: 'approved',
    parameter_format: 'positional',
    header_text: null,
    body_text: '',
    status_reason: null,
    quality: null,
    updated_at: '2026-01-01T00:00:00Z',
    ...change,
  };
}

const positional = catalogItem({ header_text: 'Hello {{1}}', body_text: 'Dear {{2}}, {{1}} off for {{3}}. {{2}}, hurry!' });
const named = catalogItem({ name: 'welcome', parameter_format: 'named', header_text: null, body_text: 'Hi {{first_name}}, code {{ code }} for {{first_name}}' });

describe('templatePlaceholders', () => {
  it('lists a positional template’s placeholders once each, in the numeric order Meta fills them', () => {
    expect(templatePlaceholders('{{2}} then {{1}}, {{10}} and {{2}} again', 'positional')).toEqual(['1', '2', '10']);
  });

  it('lists a named template’s placeholders once each, in order of appearance', () => {
    expect(templatePlaceholders('{{last}} {{first_name}} {{ last }}', 'named')).toEqual(['last', 'first_name']);
  });

  it('ignores single braces, empty or spaced names, and no text at all', () => {
    expect(templatePlaceholders('{1} {{}} {{a b}} {{x-y}}', 'named')).toEqual([]);
    expect(templatePlaceholders(null, 'positional')).toEqual([]);
  });
});

describe('mappingRows', () => {
  it('gives one unmapped row per placeholder, the header’s first', () => {
    expect(mappingRows(positional).map((row) => [row.component, row.placeholder, row.source, row.text])).toEqual([
      ['header', '1', 'text', ''],
      ['body', '1', 'text', ''],
      ['body', '2', 'text', ''],
      ['body', '3', 'text', ''],
    ]);
  });

  it('restores a saved positional mapping by rank within each component', () => {
    const rows = mappingRows(positional, {
      name: 'spring_sale',
      language: 'fr',
      parameters: [
        { component: 'body', source: 'text', text: '20 %' },
        { component: 'header', source: 'first_name', text: 'there' },
        { source: 'first_name', text: 'friend' },
      ],
    });
    expect(rows.map((row) => [row.component, row.source, row.text])).toEqual([
      ['header', 'first_name', 'there'],
      ['body', 'text', '20 %'],
      ['body', 'first_name', 'friend'],
      ['body', 'text', ''],
    ]);
  });

  it('restores a saved named mapping by name, and ignores another template’s', () => {
    const saved = { name: 'welcome', language: 'fr', parameters: [{ name: 'code', source: 'text' as const, text: 'SPRING' }] };
    expect(mappingRows(named, saved).map((row) => [row.placeholder, row.source, row.text])).toEqual([
      ['first_name', 'text', ''],
      ['code', 'text', 'SPRING'],
    ]);
    expect(mappingRows(named, { ...saved, language: 'en' })[1]?.text).toBe('');
  });
});

describe('templateMessage', () => {
  const rows: MappingRow[] = [
    { component: 'header', placeholder: '1', source: 'first_name', text: '' },
    { component: 'body', placeholder: '1', source: 'text', text: '20 %' },
    { component: 'body', placeholder: '2', source: 'last_name', text: 'customer' },
  ];

  it('builds a positional body: parameters in order, no names, fallbacks only when given', () => {
    expect(templateMessage({ name: 'spring_sale', language: 'fr', rows }, 'positional')).toEqual({
      name: 'spring_sale',
      language: 'fr',
      parameters: [
        { component: 'header', source: 'first_name' },
        { component: 'body', source: 'text', text: '20 %' },
        { component: 'body', source: 'last_name', text: 'customer' },
      ],
    });
  });

  it('builds a named body: each parameter names its placeholder', () => {
    const namedRows: MappingRow[] = [
      { component: 'body', placeholder: 'first_name', source: 'first_name', text: 'friend' },
      { component: 'body', placeholder: 'code', source: 'text', text: '' },
    ];
    expect(templateMessage({ name: 'welcome', language: 'en_US', rows: namedRows }, 'named').parameters).toEqual([
      { component: 'body', name: 'first_name', source: 'first_name', text: 'friend' },
      { component: 'body', name: 'code', source: 'text', text: '' },
    ]);
    expect(emptyFixedTexts(namedRows).map((row) => row.placeholder)).toEqual(['code']);
  });

  it('round-trips through mappingRows', () => {
    const rows = mappingRows(positional).map((row, index) => ({ ...row, source: 'text' as const, text: `v${index}` }));
    const message = templateMessage({ name: positional.name, language: positional.language, rows }, 'positional');
    expect(mappingRows(positional, message)).toEqual(rows);
  });
});

describe('renderTemplateText', () => {
  it('fills positional placeholders per component, every occurrence', () => {
    const rows = mappingRows(positional).map((row): MappingRow =>
      row.component === 'header' ? { ...row, source: 'first_name' } : row.placeholder === '1' ? { ...row, text: '20 %' } : { ...row, source: 'first_name' },
    );
    expect(renderTemplateText(positional.header_text ?? '', 'header', rows, alice)).toBe('Hello Alice');
    expect(renderTemplateText(positional.body_text, 'body', rows, alice)).toBe('Dear Alice, 20 % off for Alice. Alice, hurry!');
  });

  it('uses the fallback for an empty contact field, and leaves an unfilled placeholder visible', () => {
    const rows: MappingRow[] = [
      { component: 'body', placeholder: 'first_name', source: 'last_name', text: 'friend' },
      { component: 'body', placeholder: 'code', source: 'text', text: ' ' },
    ];
    expect(renderTemplateText(named.body_text, 'body', rows, alice)).toBe('Hi friend, code {{ code }} for friend');
    const noFallback = [{ ...rows[0]!, text: '' }];
    expect(renderTemplateText('Hi {{first_name}}', 'body', noFallback, alice)).toBe('Hi {{first_name}}');
  });

  it('does not fill a body placeholder from a header row', () => {
    const rows: MappingRow[] = [{ component: 'header', placeholder: '1', source: 'phone', text: '' }];
    expect(renderTemplateText('Call {{1}}', 'body', rows, alice)).toBe('Call {{1}}');
    expect(renderTemplateText('Call {{1}}', 'header', rows, alice)).toBe('Call +33612345678');
  });
});

describe('catalog helpers', () => {
  it('finds a template by name and language, and keys options by both', () => {
    const english = { ...positional, language: 'en' };
    expect(findCatalogItem([positional, english], 'spring_sale', 'en')).toBe(english);
    expect(findCatalogItem([positional], 'spring_sale', 'de')).toBeUndefined();
    expect(catalogKey(positional)).not.toBe(catalogKey(english));
  });

  it('lets only approved templates be chosen', () => {
    expect(isSendable(positional)).toBe(true);
    expect(isSendable({ ...positional, status: 'paused' })).toBe(false);
  });
});

describe('saved drafts and requests', () => {
  const saved = { name: 'welcome', language: 'fr', parameters: [{ name: 'code', source: 'text' as const, text: 'SPRING' }] };

  it('starts the editor from the saved template, with rows only when the catalog has it', () => {
    expect(savedDraft(saved, [named])?.rows.map((row) => row.placeholder)).toEqual(['first_name', 'code']);
    expect(savedDraft(saved, [])).toEqual({ name: 'welcome', language: 'fr', rows: [] });
    expect(savedDraft(null, [named])).toBeNull();
  });

  it('builds the request in the catalog entry’s format, and null for no template', () => {
    const draft = savedDraft(saved, [named]);
    expect(templateRequest(draft, [named])?.parameters?.[1]).toEqual({ component: 'body', name: 'code', source: 'text', text: 'SPRING' });
    expect(templateRequest(null, [named])).toBeNull();
  });
});
