// A screenshot of every screen, desktop and phone width, for review in e2e-artifacts/.

import { expect, test } from '@playwright/test';
import { screenshot, signIn } from './support';

const SCREENS = [
  { path: '/', heading: 'Dashboard', name: 'dashboard' },
  { path: '/contacts', heading: 'Contacts', name: 'contacts-list' },
  { path: '/categories', heading: 'Categories', name: 'categories-list' },
  { path: '/campaigns', heading: 'Campaigns', name: 'campaigns-list' },
  { path: '/campaigns/new', heading: 'New campaign', name: 'campaign-new' },
  { path: '/messages', heading: 'Messages', name: 'messages' },
  { path: '/monitoring', heading: 'Monitoring', name: 'monitoring' },
  { path: '/users', heading: 'Users', name: 'users' },
  { path: '/audit', heading: 'Audit log', name: 'audit' },
];

test('every screen renders on a desktop', async ({ page }) => {
  await signIn(page);
  for (const screen of SCREENS) {
    await page.goto(screen.path);
    await expect(page.getByRole('heading', { level: 1, name: screen.heading })).toBeVisible();
    await expect(page.getByText('Loading…')).toHaveCount(0);
    await screenshot(page, `screen-${screen.name}`);
  }
});

test('every screen fits 360 px, the navigation behind a menu button', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page);
  const menu = page.getByRole('button', { name: 'Menu' });
  await expect(menu).toBeVisible();
  await expect(page.getByRole('link', { name: 'Contacts' })).toBeHidden();
  await menu.click();
  await expect(page.getByRole('link', { name: 'Contacts' })).toBeVisible();
  await screenshot(page, 'mobile-menu');
  for (const screen of SCREENS) {
    await page.goto(screen.path);
    await expect(page.getByRole('heading', { level: 1, name: screen.heading })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${screen.path} scrolls sideways`).toBeLessThanOrEqual(0);
    await screenshot(page, `mobile-${screen.name}`);
  }

  // A campaign's funnel and its contacts, when an earlier spec left a campaign.
  await page.goto('/campaigns');
  await expect(page.getByRole('heading', { level: 1, name: 'Campaigns' })).toBeVisible();
  await expect(page.getByText('Loading…')).toHaveCount(0);
  const campaign = page.locator('tbody tr a[href^="/campaigns/"]').first();
  if ((await campaign.count()) > 0) {
    await campaign.click();
    await expect(page.getByTestId('funnel-total')).toBeVisible();
    await page.getByTestId('funnel-total').click();
    await expect(page.getByTestId('campaign-contacts').locator('tbody tr').first()).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the campaign detail scrolls sideways').toBeLessThanOrEqual(0);
    await screenshot(page, 'mobile-campaign-detail');
  }
});

test('the language switch changes the texts and is remembered', async ({ page }) => {
  await signIn(page);
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { name: 'Tableau de bord' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Tableau de bord' })).toBeVisible();
  await screenshot(page, 'dashboard-fr');
  await page.getByLabel('Langue').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
});
