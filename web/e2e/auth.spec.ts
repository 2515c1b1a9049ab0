import { expect, test } from '@playwright/test';
import { Api, screenshot, signIn, unique } from './support';

const ADMIN_USER_PASSWORD = 'e2e-admin-password';

test('signs in, survives a reload without storing the token, signs out', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'login');

  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();

  // The refresh cookie brings the session back; nothing is kept in web storage.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  expect(stored).not.toMatch(/eyJ/);

  // The refresh cookie is HttpOnly and scoped to the session routes: scripts never see it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('console_session');
  const cookie = (await page.context().cookies()).find((candidate) => candidate.name === 'console_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.path).toBe('/api/v1/auth/session');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  // Signing out ended the session on the server too: a reload does not bring it back.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('wrong credentials show the API message', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/wrong email or password/i);
});

test('a page asked for while signed out is shown after signing in', async ({ page }) => {
  await signIn(page, undefined, undefined, '/monitoring');
  await expect(page).toHaveURL(/\/monitoring$/);
  await expect(page.getByRole('heading', { name: 'Monitoring' })).toBeVisible();
});

test('an admin does not see Users, and reaching it shows the API refusal', async ({ page, request }) => {
  const api = await Api.signIn(request);
  const email = `admin-${unique()}@example.com`;
  await api.post('/api/v1/users', { email, password: ADMIN_USER_PASSWORD, full_name: 'Plain Admin', role: 'admin' });

  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(ADMIN_USER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);

  await page.goto('/users');
  await expect(page.getByRole('alert')).toContainText('this action needs the super_admin role');
});
