// R25 in the console: a draft whose Message 1 comes in two variants, weighted 70/30, written in
// the editor (each variant's share shown as the weights change, both previewed), saved, launched
// and run to completion. Its page lists the variants, then compares their results: every contact
// got one variant, so their Message 1 sends add up to the audience, and the server's verdict
// shows (a winner, or none yet). The report names each contact's variant.

import { readFile } from 'node:fs/promises';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { Api, configureSandbox, expectNoSidewaysScroll, saveShortDraft, screenshot, signIn, switchLanguage, unique } from './support';

const FIRST_NAMES = ['Alice', 'Bruno', 'Chloé', 'Denis', 'Emma', 'Farid'];
const AUDIENCE = FIRST_NAMES.length;
const TEXT_A = 'Bonjour {first_name}, une question ?';
const TEXT_B = 'Salut {first_name} ! Une offre rien que pour vous ?';
const WINNER_EN = /^(Variant [AB] wins|No winner)/;
const WINNER_FR = /^(La variante [AB] l’emporte|Pas de gagnante|Pas encore de gagnante)/;

let categoryName: string;
let categoryId: number;

/** A category of six contacts; the sandbox answers every Message 1, so every contact replies in time. */
test.beforeEach(async ({ request }) => {
  const api = await Api.signIn(request);
  categoryName = `Variants audience ${unique()}`;
  categoryId = (await api.category(categoryName)).id;
  for (const first of FIRST_NAMES) await api.contact(first, categoryId);
  await configureSandbox(request);
});

/** Name, category, variants A and B of Message 1 weighted 70/30, and Message 2. */
async function fillVariantsDraft(page: Page, name: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByRole('group', { name: 'Categories to reach' }).getByLabel(new RegExp(categoryName)).check();
  await page.getByLabel('Test 2 to 4 variants of Message 1').check();
  await expect(page.getByLabel('Message 1', { exact: true })).toHaveCount(0);
  for (const { variant, text, weight } of [
    { variant: 'A', text: TEXT_A, weight: '70' },
    { variant: 'B', text: TEXT_B, weight: '30' },
  ]) {
    const group = page.getByRole('group', { name: `Variant ${variant}`, exact: true });
    await group.getByLabel('Text', { exact: true }).fill(text);
    await group.getByLabel('Weight', { exact: true }).fill(weight);
  }
  await page.getByLabel(/^Message 2/).fill('Merci {first_name}, voici l’offre.');
}

/** The sum of one figure (`variant-message_1_sent`…) over the comparison's rows. */
async function sumOf(rows: Locator, testId: string): Promise<number> {
  const texts = await rows.getByTestId(testId).allTextContents();
  return texts.reduce((sum, text) => sum + Number(text.replace(/\D/g, '')), 0);
}

/** The comparison of a completed campaign: both variants, every contact counted once, a verdict. */
async function expectComparison(card: Locator, variantName: (variant: string) => string, verdict: RegExp, rate: RegExp) {
  const rows = card.getByTestId('variant-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.locator('th')).toHaveText([variantName('A'), variantName('B')]);
  await expect.poll(() => sumOf(rows, 'variant-message_1_sent'), { timeout: 30_000 }).toBe(AUDIENCE);
  expect(await sumOf(rows, 'variant-contacts')).toBe(AUDIENCE);
  await expect.poll(() => sumOf(rows, 'variant-replied'), { timeout: 30_000 }).toBe(AUDIENCE);
  for (const cell of await rows.getByTestId('variant-rate').all()) await expect(cell).toHaveText(rate);
  await expect(card.getByTestId('variants-verdict')).toHaveText(verdict);
}

test('a draft with two weighted variants is written, launched and its variants compared', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, undefined, undefined, '/campaigns/new');
  await fillVariantsDraft(page, `Variants ${unique()}`);
  await expect(page.getByTestId('audience-size')).toHaveText(String(AUDIENCE));
  await expect(page.getByTestId('variant-A-share')).toHaveText('70% of contacts');
  await expect(page.getByTestId('variant-B-share')).toHaveText('30% of contacts');
  await expect(page.getByTestId('preview-variant-A')).toHaveText(/^Bonjour \S+, une question \?$/);
  await expect(page.getByTestId('preview-variant-B')).toHaveText(/^Salut \S+ ! Une offre rien que pour vous \?$/);

  // Up to four variants, down to two: a third one (weight 50) takes its share of the contacts.
  await page.getByRole('button', { name: 'Add a variant' }).click();
  await expect(page.getByRole('group', { name: 'Variant C', exact: true })).toBeVisible();
  await expect(page.getByTestId('variant-A-share')).toHaveText('47% of contacts');
  await expect(page.getByTestId('variant-C-share')).toHaveText('33% of contacts');
  await page.getByRole('button', { name: 'Remove variant C' }).click();
  await expect(page.getByRole('group', { name: 'Variant C', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove variant/ })).toHaveCount(0);
  await expect(page.getByTestId('variant-A-share')).toHaveText('70% of contacts');
  await screenshot(page, 'variants-editor');

  await switchLanguage(page, 'fr');
  await expect(page.getByRole('group', { name: 'Variantes du message 1', exact: true })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Variante B', exact: true }).getByLabel('Poids', { exact: true })).toHaveValue('30');
  await expect(page.getByTestId('variant-A-share')).toHaveText(/^70\s% des contacts$/);
  await screenshot(page, 'variants-editor-fr');
  await switchLanguage(page, 'en');

  const id = await saveShortDraft(page);
  const heading = page.getByRole('heading', { level: 1 });
  const card = page.getByTestId('campaign-variants');
  await expect(card.getByRole('heading', { level: 2 })).toHaveText('Variants');
  await expect(card.getByTestId('campaign-variant-weight')).toHaveText(['Weight 70 · 70%', 'Weight 30 · 30%']);
  await expect(card.getByTestId('campaign-variant-text')).toHaveText([TEXT_A, TEXT_B]);
  // A draft has no results yet.
  await expect(card.getByTestId('variant-row')).toHaveCount(0);

  await page.getByRole('button', { name: 'Launch', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Launch', exact: true }).click();
  await expect(page.getByTestId('toast-success')).toContainText(`Campaign launched for ${AUDIENCE} contacts.`);
  await expect(heading).toContainText('Completed', { timeout: 60_000 });
  await expectComparison(card, (variant) => `Variant ${variant}`, WINNER_EN, /^(\d+% \(\d+–\d+%\)|—)$/);

  // The report names the variant each contact got, after their last name.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download report (CSV)' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`campaign-${id}-report.csv`);
  const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split(/\r?\n/);
  expect(lines[0]).toMatch(/^phone,first_name,last_name,variant,state,/);
  expect(lines, 'a header line, then one line per contact').toHaveLength(AUDIENCE + 1);
  for (const line of lines.slice(1)) expect(['A', 'B']).toContain(line.split(',')[3]);
  await screenshot(page, 'variants-detail');

  await switchLanguage(page, 'fr');
  await expect(heading).toContainText('Terminée');
  await expect(card.getByRole('heading', { level: 2 })).toHaveText('Variantes');
  await expect(card.getByTestId('campaign-variant-weight')).toHaveText([/^Poids 70 · 70\s%$/, /^Poids 30 · 30\s%$/]);
  await expectComparison(card, (variant) => `Variante ${variant}`, WINNER_FR, /^(\d+\s% \(\d+–\d+\s%\)|—)$/);
  await screenshot(page, 'variants-detail-fr');
});

test('the variants editor and page fit 360 px, in English and in French', async ({ page, request }) => {
  test.setTimeout(180_000);
  // A campaign with the same variants, set up and launched through the API while the editor is looked at.
  const api = await Api.signIn(request);
  const campaign = await api.post<{ id: number }>('/api/v1/campaigns', {
    name: `Phone variants ${unique()}`,
    message_1_variants: [
      { message_1: TEXT_A, weight: 70 },
      { message_1: TEXT_B, weight: 30 },
    ],
    message_2: 'Merci {first_name} !',
    category_ids: [categoryId],
    settings: { interaction_window_secs: 5, send_interval_secs: 0.5 },
  });
  await api.post(`/api/v1/campaigns/${campaign.id}/send`, {});

  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, undefined, undefined, '/campaigns/new');
  await fillVariantsDraft(page, `Phone variants draft ${unique()}`);
  await expect(page.getByTestId('variant-B-share')).toHaveText('30% of contacts');
  await expectNoSidewaysScroll(page, 'the variants editor');
  await screenshot(page, 'mobile-variants-editor');

  await switchLanguage(page, 'fr');
  await expect(page.getByRole('group', { name: 'Variante B', exact: true })).toBeVisible();
  await expect(page.getByTestId('variant-B-share')).toHaveText(/^30\s% des contacts$/);
  await expectNoSidewaysScroll(page, 'the French variants editor');
  await screenshot(page, 'mobile-variants-editor-fr');

  await expect
    .poll(async () => (await api.get<{ status: string }>(`/api/v1/campaigns/${campaign.id}/stats`)).status, { timeout: 60_000 })
    .toBe('completed');
  await page.goto(`/campaigns/${campaign.id}`);
  const heading = page.getByRole('heading', { level: 1 });
  await expect(heading).toContainText('Terminée');
  const card = page.getByTestId('campaign-variants');
  await expect(card.getByTestId('campaign-variant')).toHaveCount(2);
  await expectComparison(card, (variant) => `Variante ${variant}`, WINNER_FR, /^(\d+\s% \(\d+–\d+\s%\)|—)$/);
  await expectNoSidewaysScroll(page, 'the French variants page');
  await screenshot(page, 'mobile-variants-detail-fr');

  await switchLanguage(page, 'en');
  await expect(heading).toContainText('Completed');
  await expectComparison(card, (variant) => `Variant ${variant}`, WINNER_EN, /^(\d+% \(\d+–\d+%\)|—)$/);
  await expectNoSidewaysScroll(page, 'the variants page');
  await screenshot(page, 'mobile-variants-detail');
});
