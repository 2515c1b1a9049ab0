import { expect, test } from '@playwright/test';
import { Api, screenshot, signIn, unique } from './support';

test('the super admin reads the audit log and filters it; an admin does not see it', async ({ page, request }) => {
  const api = await Api.signIn(request);
  const name = `Audited ${unique()}`;
  const category = await api.category(name);
  // A failed sign-in is audited too, with the email tried.
  const failed = await request.post('/api/v1/auth/session', { data: { email: `intruder-${unique()}@example.com`, password: 'guess' } });
  expect(failed.status()).toBe(401);

  await signIn(page, undefined, undefined, '/audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  const rows = page.locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  // Newest first: the console's own sign-in.
  await expect(rows.first()).toContainText('auth.login');
  await expect(page.getByRole('cell', { name: 'auth.login_failed' }).first()).toBeVisible();

  await page.getByLabel('Action').selectOption('category.create');
  await page.getByLabel('Target id').fill(String(category.id));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`category #${category.id}`);
  await expect(rows.first()).toContainText(name);
  await expect(rows.first()).toContainText('127.0.0.1');
  await screenshot(page, 'audit-log');

  await page.getByLabel('Action').selectOption('');
  await page.getByLabel('Target id').fill('');
  await page.getByLabel('Target', { exact: true }).selectOption('campaign');
  await page.getByLabel('From').fill('2100-01-01T00:00');
  await expect(page.getByText('No audit rows match.')).toBeVisible();

  const email = `reader-${unique()}@example.com`;
  await api.post('/api/v1/users', { email, password: 'e2e-reader-password', role: 'admin' });
  await page.getByRole('button', { name: 'Sign out' }).click();
  // Signed out once the form shows: navigating before would race the sign-out request.
  await expect(page.getByLabel('Email')).toBeVisible();
  await signIn(page, email, 'e2e-reader-password');
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  await page.goto('/audit');
  await expect(page.getByRole('alert')).toContainText('this action needs the super_admin role');
});
