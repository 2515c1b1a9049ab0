import { expect, test } from '@playwright/test';
import { Api, screenshot, signIn, unique, uniquePhone } from './support';

test('creates a category', async ({ page }) => {
  const name = `Clients ${unique()}`;
  await signIn(page, undefined, undefined, '/categories');
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect(row.getByRole('link', { name })).toBeVisible();
  await screenshot(page, 'categories');

  await row.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await screenshot(page, 'category-detail');
});

test('imports a CSV and shows the reason of its bad line', async ({ page }) => {
  const csv = ['phone,first_name,last_name', `${uniquePhone()},Ana,Import`, 'not-a-phone,Bad,Line', `${uniquePhone()},Ben,Import`].join('\n');
  await signIn(page, undefined, undefined, '/contacts');
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import contacts' });
  await dialog.getByLabel('Choose a file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });

  const result = dialog.getByTestId('import-result');
  await expect(result).toContainText('2 created');
  const badLine = result.getByRole('row').filter({ has: page.getByRole('cell', { name: '3', exact: true }) });
  await expect(badLine).toHaveCount(1);
  await expect(badLine.getByRole('cell').nth(1)).not.toBeEmpty();
  await screenshot(page, 'contacts-import');

  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: /Download refused lines/ }).click();
  expect((await download).suggestedFilename()).toBe('import-errors.csv');
});

test('an optimistic create is rolled back when the phone exists (409)', async ({ page, request }) => {
  const api = await Api.signIn(request);
  const category = await api.category(`Dup ${unique()}`);
  const existing = await api.contact('Existing', category.id);

  await signIn(page, undefined, undefined, '/contacts');
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
  await screenshot(page, 'contacts');
  await page.getByRole('button', { name: 'New contact' }).click();
  const dialog = page.getByRole('dialog', { name: 'New contact' });
  await dialog.getByLabel('First name').fill('Duplicate');
  await dialog.getByLabel('Phone', { exact: true }).fill(existing.phone);
  await dialog.getByRole('button', { name: 'Save' }).click();

  await expect(page.getByTestId('toast-error')).toContainText('a contact with this phone number already exists');
  await expect(page.getByRole('cell', { name: 'Duplicate E2E' })).toHaveCount(0);
  await expect(page.getByRole('cell', { name: /^Duplicate$/ })).toHaveCount(0);
});

test('checks a number with WhatsApp and filters the contacts by what the check found', async ({ page, request }) => {
  const api = await Api.signIn(request);
  const category = await api.category(`WhatsApp ${unique()}`);
  const lastName = `Check${unique()}`;
  await api.contact('Wanda', category.id, lastName);
  const before = await api.get<{ verified: number; unverified: number }>('/api/v1/contacts/verification');

  await signIn(page, undefined, undefined, '/contacts');
  await expect(page.getByTestId('verification-counts')).toContainText('not checked yet');
  await page.getByLabel('Search').fill(lastName);
  await page.getByLabel('WhatsApp', { exact: true }).selectOption({ label: 'Not checked' });
  const row = page.getByRole('row', { name: new RegExp(`Wanda ${lastName}`) });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Not checked');

  await row.getByRole('button', { name: 'Check WhatsApp' }).click();
  // Checked, it leaves the "Not checked" list and shows under "On WhatsApp".
  await expect(row).toHaveCount(0);
  await page.getByLabel('WhatsApp', { exact: true }).selectOption({ label: 'On WhatsApp' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('On WhatsApp');
  const after = await api.get<{ verified: number; unverified: number }>('/api/v1/contacts/verification');
  expect(after.verified).toBe(before.verified + 1);
  await expect(page.getByTestId('verification-counts')).toContainText(`${after.verified} on WhatsApp`);
  await screenshot(page, 'contacts-whatsapp-filter');
});
