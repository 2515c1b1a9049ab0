// R19 in the console: a contact who answers STOP shows as opted out (read-only), the consent
// filter finds them, their journey counts as an outcome, and later audiences leave them out.

import { expect, test, type Page } from '@playwright/test';
import { Api, configureSandbox, screenshot, scriptReplies, signIn, unique } from './support';

/**
 * The contacts page searched for one run's contacts, filtered on consent (`All`: no filter), once
 * it lists `rows` of them (the search is debounced).
 */
async function contactsWithConsent(page: Page, search: string, consent: 'All' | 'Opted out' | 'Subscribed', rows: number) {
  await page.getByLabel('Search').fill(search);
  await page.getByLabel('Consent', { exact: true }).selectOption({ label: consent });
  await expect(page.locator('tbody tr')).toHaveCount(rows);
}

test.afterEach(async ({ request }) => {
  await scriptReplies(request, {});
});

test('a contact who writes STOP is opted out, found by the consent filter and left out of the next launch', async ({ page, request }) => {
  const api = await Api.signIn(request);
  const categoryName = `Opt-out ${unique()}`;
  const category = await api.category(categoryName);
  const lastName = `Stop${unique()}`;
  const olive = await api.contact('Olive', category.id, lastName);
  await api.contact('Paul', category.id, lastName);
  await configureSandbox(request);
  await scriptReplies(request, { [olive.phone]: 'STOP' });

  // A first campaign: Olive answers its Message 1 with STOP, Paul with an ordinary reply.
  const first = await api.post<{ id: number }>('/api/v1/campaigns', {
    name: `Before STOP ${unique()}`,
    message_1: 'Bonjour {first_name}, une question ?',
    message_2: 'Merci {first_name} !',
    category_ids: [category.id],
    settings: { interaction_window_secs: 5, send_interval_secs: 0.5 },
  });
  await api.post(`/api/v1/campaigns/${first.id}/send`, {});

  await signIn(page, undefined, undefined, `/campaigns/${first.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Completed', { timeout: 60_000 });
  await expect(page.getByTestId('funnel-optedOut-count')).toContainText('1');
  await expect(page.getByTestId('funnel-message2Sent-count')).toContainText('1');
  await page.getByTestId('funnel-optedOut').click();
  const panel = page.getByTestId('campaign-contacts');
  await expect(panel.locator('tbody tr')).toHaveCount(1);
  await expect(panel.locator('tbody tr')).toContainText(`Olive ${lastName}`);
  await expect(panel.locator('tbody tr').getByText('Opted out', { exact: true })).toBeVisible();
  await screenshot(page, 'campaign-detail-opted-out');

  // The contacts list: a read-only badge dated by its title, and the consent filter.
  await page.goto('/contacts');
  await contactsWithConsent(page, lastName, 'All', 2);
  const oliveRow = page.getByRole('row', { name: new RegExp(`Olive ${lastName}`) });
  const paulRow = page.getByRole('row', { name: new RegExp(`Paul ${lastName}`) });
  await expect(oliveRow.getByTestId('opted-out-badge')).toHaveText('Opted out');
  await expect(oliveRow.getByTestId('opted-out-badge')).toHaveAttribute('title', /^Opted out on \S/);
  await expect(paulRow).toHaveCount(1);
  await expect(paulRow.getByTestId('opted-out-badge')).toHaveCount(0);

  await contactsWithConsent(page, lastName, 'Opted out', 1);
  await expect(oliveRow).toHaveCount(1);
  await screenshot(page, 'contacts-opted-out');
  await contactsWithConsent(page, lastName, 'Subscribed', 1);
  await expect(paulRow).toHaveCount(1);

  // Editing shows the opt-out, read-only.
  await contactsWithConsent(page, lastName, 'Opted out', 1);
  await oliveRow.getByRole('button', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit contact' });
  await expect(dialog.getByTestId('contact-opted-out')).toContainText('opted out on');
  await screenshot(page, 'contact-edit-opted-out');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // A new campaign to the same category: its audience leaves Olive out, and so does the launch.
  await page.goto('/campaigns/new');
  await page.getByLabel('Name').fill(`After STOP ${unique()}`);
  await page.getByRole('group', { name: 'Categories to reach' }).getByLabel(new RegExp(categoryName)).check();
  await page.getByLabel('Message 1', { exact: true }).fill('Bonjour {first_name}');
  await page.getByLabel(/^Message 2/).fill('Merci {first_name} !');
  await expect(page.getByTestId('audience-size')).toHaveText('1');
  await expect(page.getByTestId('audience-opted-out')).toHaveText('1');
  await screenshot(page, 'campaign-editor-opted-out');

  // Short timings, so the campaign neither holds the pacing of later specs nor stays running.
  await page.getByText('Timing settings').click();
  await page.getByLabel('Reply window (s)').fill('5');
  await page.getByLabel('Seconds between sends').fill('0.5');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByRole('button', { name: 'Launch', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Launch', exact: true }).click();
  await expect(page.getByTestId('toast-success')).toContainText('Campaign launched for 1 contacts; 1 left out because they opted out.');
  await expect(page.getByTestId('funnel-total-count')).toContainText('1');
});

test('the opted-out badge, filter and audience fit 360 px', async ({ page, request }) => {
  const api = await Api.signIn(request);
  const categoryName = `Opt-out phone ${unique()}`;
  const category = await api.category(categoryName);
  const lastName = `Phone${unique()}`;
  const olive = await api.contact('Olive', category.id, lastName);
  await api.contact('Paul', category.id, lastName);
  await configureSandbox(request);
  await scriptReplies(request, { [olive.phone]: 'STOP' });
  const first = await api.post<{ id: number }>('/api/v1/campaigns', {
    name: `Phone STOP ${unique()}`,
    message_1: 'Bonjour {first_name}',
    message_2: 'Merci !',
    category_ids: [category.id],
    settings: { interaction_window_secs: 5, send_interval_secs: 0.5 },
  });
  await api.post(`/api/v1/campaigns/${first.id}/send`, {});
  await expect
    .poll(async () => (await api.get<{ opted_out: number }>(`/api/v1/campaigns/${first.id}/stats`)).opted_out, { timeout: 60_000 })
    .toBe(1);

  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, undefined, undefined, '/contacts');
  await contactsWithConsent(page, lastName, 'Opted out', 1);
  await expect(page.getByRole('row', { name: new RegExp(`Olive ${lastName}`) }).getByTestId('opted-out-badge')).toBeVisible();
  const contactsOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(contactsOverflow, 'the contacts list scrolls sideways').toBeLessThanOrEqual(0);
  await screenshot(page, 'mobile-contacts-opted-out');

  await page.goto('/campaigns/new');
  await page.getByRole('group', { name: 'Categories to reach' }).getByLabel(new RegExp(categoryName)).check();
  await expect(page.getByTestId('audience-opted-out')).toHaveText('1');
  const editorOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(editorOverflow, 'the campaign editor scrolls sideways').toBeLessThanOrEqual(0);
  await screenshot(page, 'mobile-campaign-editor-opted-out');
});
