// The console on Meta's Cloud API (WHATSAPP_PROVIDER=meta against the sandbox's Cloud API and
// its demo catalog): Message 1 chosen from the template catalog and mapped, a paused template
// pausing a campaign until an operator resumes it, no number verification, the messaging limit
// and the Templates page. Runs only when CONSOLE_PROVIDER=meta (tests/tests/engine/console.rs
// starts such a stack); the other specs need the Wassenger provider.

import { expect, test, type Page } from '@playwright/test';
import { Api, SANDBOX_URL, screenshot, signIn, unique } from './support';

test.skip(process.env.CONSOLE_PROVIDER !== 'meta', 'needs a stack on the Meta provider');

const TEMPLATE_1 = 'Message 1 (approved template)';
const TEMPLATE_2 = 'Message 2 fallback template (optional)';

/** Fills one placeholder row of a template field (`header-1`, `body-first_name`…). */
async function mapPlaceholder(page: Page, field: string, row: string, source: string, text: string) {
  const line = page.getByTestId(`${field}-${row}`);
  await line.getByLabel('Filled with').selectOption({ label: source });
  await line.getByRole('textbox').fill(text);
}

/** Sets a template's status in the sandbox, which tells the API by a signed webhook. */
async function setTemplateStatus(page: Page, name: string, language: string, status: string) {
  const answer = await page.request.post(`${SANDBOX_URL}/sandbox/meta/templates/${name}/${language}/status`, {
    data: { status, reason: status === 'PAUSED' ? 'LOW_QUALITY' : null },
  });
  expect(answer.ok(), await answer.text()).toBe(true);
}

test.describe('on the Meta provider', () => {
  let categoryName: string;

  test.beforeEach(async ({ request }) => {
    const api = await Api.signIn(request);
    categoryName = `Meta audience ${unique()}`;
    const category = await api.category(categoryName);
    await api.contact('Alice', category.id);
  });

  test('Message 1 is an approved template, mapped and previewed; the fallback template is optional', async ({ page }) => {
    await signIn(page, undefined, undefined, '/campaigns/new');
    await page.getByLabel('Name').fill(`Meta ${unique()}`);
    await page.getByRole('group', { name: 'Categories to reach' }).getByLabel(new RegExp(categoryName)).check();
    await expect(page.getByTestId('audience-size')).toHaveText('1');
    // No free text for Message 1: a template select instead, with the sandbox's catalog.
    await expect(page.getByLabel('Message 1', { exact: true })).toHaveCount(0);
    const picker = page.getByLabel(TEMPLATE_1);
    await picker.selectOption({ label: 'spring_offer · fr — Marketing' });
    await expect(page.getByTestId('message_1_template-badges')).toContainText('Approved');

    await mapPlaceholder(page, 'message_1_template', 'header-1', 'Fixed text', 'la boutique');
    await mapPlaceholder(page, 'message_1_template', 'body-1', 'First name', 'client');
    await expect(page.getByTestId('preview-message-1')).toContainText('Offre de la boutique');
    await expect(page.getByTestId('preview-message-1')).toContainText('Bonjour Alice, profitez de -20 %');

    await page.getByLabel('Message 2 (sent after a reply)').fill('Merci {first_name} !');
    await page.getByLabel(TEMPLATE_2).selectOption({ label: 'spring_offer_named · fr — Marketing' });
    await mapPlaceholder(page, 'message_2_template', 'body-first_name', 'First name', 'client');
    await expect(page.getByTestId('preview-message-2-template')).toContainText('Bonjour Alice, notre offre');
    await screenshot(page, 'meta-campaign-editor');

    await page.getByRole('button', { name: 'Save draft' }).click();
    await expect(page.getByTestId('message-1-template')).toContainText('spring_offer · fr');
    await expect(page.getByTestId('message-2-template')).toContainText('spring_offer_named · fr');
    await screenshot(page, 'meta-campaign-detail');
  });

  test('a template Meta pauses pauses its scheduled campaign, until the operator resumes it', async ({ page, request }) => {
    const api = await Api.signIn(request);
    const category = await api.category(`Meta paused ${unique()}`);
    await api.contact('Bruno', category.id);
    const campaign = await api.post<{ id: number }>('/api/v1/campaigns', {
      name: `Meta paused ${unique()}`,
      message_1_template: {
        name: 'spring_offer',
        language: 'fr',
        parameters: [
          { component: 'header', source: 'text', text: 'la boutique' },
          { component: 'body', source: 'first_name', text: 'client' },
        ],
      },
      message_2: 'Merci {first_name} !',
      category_ids: [category.id],
    });
    await api.post(`/api/v1/campaigns/${campaign.id}/schedule`, { at: new Date(Date.now() + 3 * 3_600_000).toISOString() });

    await signIn(page, undefined, undefined, `/campaigns/${campaign.id}`);
    await setTemplateStatus(page, 'spring_offer', 'fr', 'PAUSED');
    try {
      const banner = page.getByTestId('paused-banner');
      await expect(banner).toContainText('spring_offer', { timeout: 30_000 });
      await screenshot(page, 'meta-campaign-paused');
      await setTemplateStatus(page, 'spring_offer', 'fr', 'APPROVED');
      await banner.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Resume', exact: true }).click();
      await expect(banner).toHaveCount(0);
    } finally {
      // The other specs send this template: approved again whatever happened above.
      await setTemplateStatus(page, 'spring_offer', 'fr', 'APPROVED');
    }
  });

  test('contacts offer no number verification, and say why', async ({ page }) => {
    await signIn(page, undefined, undefined, '/contacts');
    await expect(page.getByTestId('verification-unavailable')).toContainText('not available on the Meta provider');
    await expect(page.getByRole('button', { name: 'Check WhatsApp' })).toHaveCount(0);
    await screenshot(page, 'meta-contacts');
  });

  test('the Templates page lists the catalog and reads it again from Meta; the dashboard shows the messaging limit', async ({ page }) => {
    await signIn(page, undefined, undefined, '/templates');
    await expect(page.getByTestId('template-spring_offer-fr')).toContainText('Marketing');
    await expect(page.getByTestId('template-appointment_reminder-fr')).toContainText('Utility');
    await page.getByRole('button', { name: 'Refresh from Meta' }).click();
    await expect(page.getByText(/Catalog read from Meta: \d+ templates/)).toBeVisible();
    await screenshot(page, 'meta-templates');

    // The sync read the account's messaging limit (the sandbox's 250 tier).
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await expect(page.getByTestId('messaging-limit')).toContainText('Meta messaging limit');
    await expect(page.getByTestId('messaging-limit').getByRole('figure')).toHaveAttribute('aria-label', /\/ 250 \(24 h\)/);
    await screenshot(page, 'meta-dashboard');
  });
});
