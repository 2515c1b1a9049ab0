import { describe, expect, it } from 'vitest';
import { charCount, insertAt, placeholderNames, renderTemplate, unknownPlaceholders } from './template';

const alice = { first_name: 'Alice', last_name: null, phone: '+33612345678' };
const KNOWN = ['first_name', 'last_name', 'phone'];

describe('renderTemplate', () => {
  it('renders known placeholders, empty names as nothing, other braces literally', () => {
    expect(renderTemplate('Hi {first_name} {last_name}! ({phone}) {not a placeholder}', alice, KNOWN)).toBe(
      'Hi Alice ! (+33612345678) {not a placeholder}',
    );
  });

  it('leaves unknown placeholders visible so the operator sees them', () => {
    expect(renderTemplate('Hi {firstname}', alice, KNOWN)).toBe('Hi {firstname}');
  });

  it('renders only what the server says is known', () => {
    expect(renderTemplate('{first_name} {phone}', alice, ['first_name'])).toBe('Alice {phone}');
    expect(renderTemplate('{first_name}', alice, [])).toBe('{first_name}');
    expect(renderTemplate('[{city}]', alice, ['city'])).toBe('[]');
  });
});

describe('placeholder detection', () => {
  it('finds names like the server does', () => {
    expect(placeholderNames('{a}{first_name} {B} {x y} {phone}')).toEqual(['a', 'first_name', 'phone']);
  });

  it('reports each unknown placeholder once', () => {
    expect(unknownPlaceholders('{prenom} {first_name} {prenom} {nom}', KNOWN)).toEqual(['prenom', 'nom']);
    expect(unknownPlaceholders('Bonjour {first_name}', KNOWN)).toEqual([]);
  });

  it('takes the known names from the server', () => {
    expect(unknownPlaceholders('{first_name} {email}', ['first_name', 'email'])).toEqual([]);
    expect(unknownPlaceholders('{first_name} {phone}', ['phone'])).toEqual(['first_name']);
    expect(unknownPlaceholders('no placeholder at all {x y}', [])).toEqual([]);
  });
});

describe('charCount', () => {
  it('counts code points, as the 4096 limit does', () => {
    expect(charCount('é👍a')).toBe(3);
  });
});

describe('insertAt', () => {
  it('replaces the selection and puts the caret after the insert', () => {
    expect(insertAt('Hello !', 6, 6, '{first_name}')).toEqual({ text: 'Hello {first_name}!', caret: 18 });
    expect(insertAt('Hello XX', 6, 8, '{phone}')).toEqual({ text: 'Hello {phone}', caret: 13 });
  });
});
