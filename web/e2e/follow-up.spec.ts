// R23 and R24 in the console: a follow-up campaign built in the editor from a category minus the
// contacts who replied to a first campaign, under a frequency cap of its own. Its preview counts
// each source on its own, the result and who the cap leaves out; its page shows the sets and the
// cap, and once launched its per-recipient report downloads with one line per contact.

import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { Api, configureSandbox, expectNoSidewaysScroll, saveShortDraft, screenshot, signIn, switchLanguage, unique } from './support';

const REPORT_HEADER =
  'phone,first_name,last_name,variant,state,message_1_sent_at,message_1_delivered_at,message_1_read_at,first_interaction_at,' +
  'first_interaction_type,message_2_sent_at,failure_kind,failure_reason,opted_out_at';

let categoryName: string;
let firstName: string;

/**
 * A category of three contacts, a first campaign to them run to completion (the sandbox answers
 * every Message 1, so all three replied in time), then two contacts added to the category after
 * it: the only ones a follow-up to "everyone but the repliers" should reach.
 */
test.beforeEach(async ({ request }) => {
  const api = await Api.signIn(request);
  categoryName = `Follow-up audience ${unique()}`;
  const category = await api.category(categoryName);
  for (const first of ['Alice', 'Bruno', 'Chloé']) await api.contact(first, category.id);
  await configureSandbox(request);
  firstName = `First touch ${unique()}`;
  const first = await api.post<{ id: number }>('/api/v1/campaigns', {
    name: firstName,
    message_1: 'Bonjour {first_name}, une question ?',
    message_2: 'Merci {first_name} !',
    category_ids: [category.id],
    settings: { interaction_window_secs: 5, send_interval_secs: 0.5 },
  });
  await api.post(`/api/v1/campaigns/${first.id}/send`, {});
  await expect
    .poll(async () => (await api.get<{ status: string }>(`/api/v1/campaigns/${first.id}/stats`)).status, { timeout: 60_000 })
    .toBe('completed');
  for (const late of ['Denis', 'Emma']) await api.contact(late, category.id);
});

/** Name, the category and the texts of the follow-up draft. */
async function fillFollowUp(page: Page, name: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByRole('group', { name: 'Categories to reach' }).getByLabel(new RegExp(categoryName)).check();
  await page.getByLabel('Message 1', { exact: true }).fill('Bonjour {first_name}, toujours intéressé ?');
  await page.getByLabel(/^Message 2/).fill('Merci {first_name}, voici l’offre.');
}

/** At most `max` Message 1s per contact over `days` days, for this draft only. */
async function setCap(page: Page, max: string, days: string) {
  await page.getByLabel('Frequency cap', { exact: true }).selectOption('custom');
  await page.getByLabel('Message 1s at most').fill(max);
  await page.getByLabel('Over (days)').fill(days);
}

/** Adds an outcome set leaving out the first campaign's contacts who replied in time. */
async function excludeRepliers(page: Page) {
  await page.getByRole('button', { name: 'Add an outcome set' }).click();
  const set = page.getByRole('group', { name: 'Outcome set 1', exact: true });
  await set.getByLabel('Campaign', { exact: true }).selectOption({ label: firstName });
  await set.getByLabel('Outcome', { exact: true }).selectOption('replied_in_time');
  await set.getByLabel('These contacts', { exact: true }).selectOption('exclude');
}

/** The preview's figures: the audience, and the contacts left out for opt-out and for the cap. */
async function expectAudience(page: Page, size: number, optedOut: number, capped: number) {
  await expect(page.getByTestId('audience-size')).toHaveText(String(size));
  await expect(page.getByTestId('audience-opted-out')).toHaveText(String(optedOut));
  await expect(page.getByTestId('audience-capped')).toHaveText(String(capped));
}

test('a follow-up reaches the category minus the first campaign’s repliers, under a cap of its own, and its report downloads', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, undefined, undefined, '/campaigns/new');
  await fillFollowUp(page, `Follow-up ${unique()}`);
  const sources = page.getByTestId('audience-source');
  await expect(sources).toHaveCount(1);
  await expect(sources.first()).toContainText(categoryName);
  await expect(sources.first().getByTestId('audience-source-count')).toHaveText('5');
  // The server's default cap (two Message 1s in seven days) leaves the first campaign's contacts in.
  await expect(page.getByTestId('audience-cap')).toHaveText('Frequency cap applied: at most 2 Message 1 per contact over 7 days.');
  await expectAudience(page, 5, 0, 0);

  // The cap alone: the first campaign's three contacts already had their one Message 1 of the month.
  await setCap(page, '1', '30');
  await expect(page.getByTestId('audience-cap')).toHaveText('Frequency cap applied: at most 1 Message 1 per contact over 30 days.');
  await expectAudience(page, 2, 0, 3);

  // Minus those who replied: they leave the audience before the cap is counted.
  await excludeRepliers(page);
  await expect(sources).toHaveCount(2);
  await expect(sources.nth(1)).toContainText(`Minus “${firstName}”: Replied in time`);
  await expect(sources.nth(1).getByTestId('audience-source-count')).toHaveText('3');
  await expectAudience(page, 2, 0, 0);
  await screenshot(page, 'follow-up-editor');

  await switchLanguage(page, 'fr');
  await expect(sources.nth(1)).toContainText(`Sauf « ${firstName} » : A répondu à temps`);
  await expect(page.getByTestId('audience-cap')).toHaveText('Plafond de fréquence appliqué : au plus 1 message 1 par contact sur 30 jours.');
  await screenshot(page, 'follow-up-editor-fr');
  await switchLanguage(page, 'en');

  const id = await saveShortDraft(page);
  const heading = page.getByRole('heading', { level: 1 });
  const audience = page.getByTestId('campaign-audience');
  await expect(audience).toContainText(categoryName);
  await expect(audience.getByTestId('campaign-audience-set')).toHaveText([`Minus “${firstName}”: Replied in time`]);
  await expect(audience.getByTestId('campaign-frequency-cap')).toHaveText('At most 1 Message 1 per contact over 30 days');
  // A draft has no recipients yet: no report, no excluded counts.
  const report = page.getByRole('button', { name: 'Download report (CSV)' });
  await expect(report).toHaveCount(0);
  await expect(audience.getByTestId('campaign-capped-excluded')).toHaveCount(0);

  await page.getByRole('button', { name: 'Launch', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Launch', exact: true }).click();
  await expect(page.getByTestId('toast-success')).toContainText('Campaign launched for 2 contacts.');
  await expect(audience.getByTestId('campaign-opted-out-excluded')).toHaveText('0');
  await expect(audience.getByTestId('campaign-capped-excluded')).toHaveText('0');

  const downloading = page.waitForEvent('download');
  await report.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`campaign-${id}-report.csv`);
  const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split(/\r?\n/);
  expect(lines[0]).toBe(REPORT_HEADER);
  expect(lines, 'a header line, then one line per contact').toHaveLength(3);
  expect(lines.slice(1).map((line) => line.split(',')[1]).sort()).toEqual(['Denis', 'Emma']);
  await screenshot(page, 'follow-up-detail');

  await switchLanguage(page, 'fr');
  await expect(page.getByRole('button', { name: 'Télécharger le rapport (CSV)' })).toBeVisible();
  await expect(audience.getByTestId('campaign-audience-set')).toHaveText([`Sauf « ${firstName} » : A répondu à temps`]);
  await expect(audience.getByTestId('campaign-frequency-cap')).toHaveText('Au plus 1 message 1 par contact sur 30 jours');
  await screenshot(page, 'follow-up-detail-fr');
  await expect(heading).toContainText('Terminée', { timeout: 60_000 });
});

test('the follow-up editor and page fit 360 px, in English and in French', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, undefined, undefined, '/campaigns/new');
  await fillFollowUp(page, `Phone follow-up ${unique()}`);
  await setCap(page, '1', '30');
  await excludeRepliers(page);
  await expect(page.getByTestId('audience-source')).toHaveCount(2);
  await expectAudience(page, 2, 0, 0);
  await expectNoSidewaysScroll(page, 'the follow-up editor');
  await screenshot(page, 'mobile-follow-up-editor');

  await switchLanguage(page, 'fr');
  await expect(page.getByRole('group', { name: 'Ensemble 1', exact: true })).toBeVisible();
  await expect(page.getByTestId('audience-source').nth(1)).toContainText(`Sauf « ${firstName} » : A répondu à temps`);
  await expectNoSidewaysScroll(page, 'the French follow-up editor');
  await screenshot(page, 'mobile-follow-up-editor-fr');

  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
  const heading = page.getByRole('heading', { level: 1 });
  await expect(heading).toContainText('Brouillon');
  const sets = page.getByTestId('campaign-audience-set');
  await expect(sets).toHaveText([`Sauf « ${firstName} » : A répondu à temps`]);
  await expectNoSidewaysScroll(page, 'the French follow-up page');
  await screenshot(page, 'mobile-follow-up-detail-fr');

  await switchLanguage(page, 'en');
  await expect(heading).toContainText('Draft');
  await expect(sets).toHaveText([`Minus “${firstName}”: Replied in time`]);
  await expect(page.getByTestId('campaign-frequency-cap')).toHaveText('At most 1 Message 1 per contact over 30 days');
  await expectNoSidewaysScroll(page, 'the follow-up page');
  await screenshot(page, 'mobile-follow-up-detail');
});
