// What the specs share: the stack's addresses, signing in through the form, switching language,
// an API client for setting up data quickly, and screenshots into e2e-artifacts/.

import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const ADMIN_EMAIL = process.env.ADMIN_EMAIL ?? 'admin@example.com';
export const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? 'change-me-please';
export const SANDBOX_URL = process.env.SANDBOX_URL ?? 'http://127.0.0.1:3001';

/** A suffix making names and phones of one run unique. */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/** A French mobile number no other run uses (E.164). */
export function uniquePhone(): string {
  return `+336${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  // From the top: a full-page capture of a scrolled page draws the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `e2e-artifacts/${name}.png`, fullPage: true });
}

/** Opens `path` (the login form shows while signed out) and signs in there. */
export async function signIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Attached, not visible: on a phone the button is behind the menu.
  await expect(page.getByRole('button', { name: 'Sign out', includeHidden: true })).toBeAttached();
  await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
}

/** Switches the console's language; on a phone the switch is behind the menu button. */
export async function switchLanguage(page: Page, language: 'en' | 'fr'): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu' });
  const phone = await menu.isVisible();
  if (phone) await menu.click();
  // By role: the label wraps the select, so its text also holds the options' (EN, FR).
  await page.getByRole('combobox', { name: language === 'fr' ? 'Language' : 'Langue', exact: true }).selectOption(language);
  if (phone) await menu.click();
}

/**
 * Saves the draft open in the editor with a 5 s reply window and half a second between sends, so
 * it ends quickly and holds no later spec's pacing; returns its id once its page shows.
 */
export async function saveShortDraft(page: Page): Promise<number> {
  await page.getByText('Timing settings').click();
  await page.getByLabel('Reply window (s)').fill('5');
  await page.getByLabel('Seconds between sends').fill('0.5');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Draft');
  await expect(page).toHaveURL(/\/campaigns\/\d+$/);
  return Number(/\/campaigns\/(\d+)$/.exec(page.url())?.[1]);
}

export async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${what} scrolls sideways`).toBeLessThanOrEqual(0);
}

/** The console's API, signed in as `email`, for setting up what a spec is not about. */
export class Api {
  private constructor(
    private readonly request: APIRequestContext,
    private readonly token: string,
  ) {}

  static async signIn(request: APIRequestContext, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<Api> {
    const response = await request.post('/api/v1/auth/session', { data: { email, password } });
    expect(response.status(), await response.text()).toBe(200);
    const body = (await response.json()) as { access_token: string };
    return new Api(request, body.access_token);
  }

  async post<T>(path: string, data: unknown): Promise<T> {
    const response = await this.request.post(path, { data, headers: { Authorization: `Bearer ${this.token}` } });
    expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
    return (await response.json()) as T;
  }

  async category(name: string): Promise<{ id: number }> {
    return this.post('/api/v1/categories', { name, color: '#0f766e' });
  }

  async get<T>(path: string): Promise<T> {
    const response = await this.request.get(path, { headers: { Authorization: `Bearer ${this.token}` } });
    expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
    return (await response.json()) as T;
  }

  async contact(firstName: string, categoryId: number, lastName = 'E2E', phone = uniquePhone()): Promise<{ id: number; phone: string }> {
    return this.post('/api/v1/contacts', { phone, first_name: firstName, last_name: lastName, category_ids: [categoryId] });
  }
}

/**
 * Makes every simulated phone answer quickly, and the next `failing` sends fail for good (a 400,
 * which the engine does not retry). The sandbox's `POST /sandbox/config` patches its behaviour
 * (unknown fields are refused; the webhook set at start-up is kept); `POST /sandbox/faults`
 * replaces the faults wholesale, so `{fail_next: []}` clears any left by an earlier spec.
 */
export async function configureSandbox(request: APIRequestContext, failing = 0): Promise<void> {
  const config = await request.post(`${SANDBOX_URL}/sandbox/config`, {
    data: { reply_probability: 1, reply_delay_ms: 300, ack_delay_ms: 100, reply_types: ['text'] },
  });
  expect(config.ok(), await config.text()).toBe(true);
  const behaviour = (await config.json()) as { reply_probability: number; webhook_url: string | null };
  expect(behaviour.reply_probability).toBe(1);
  expect(behaviour.webhook_url, 'the sandbox must already send its webhooks to the API').toBeTruthy();
  const faults = await request.post(`${SANDBOX_URL}/sandbox/faults`, {
    data: { fail_next: failing > 0 ? [{ status: 400, count: failing }] : [] },
  });
  expect(faults.ok(), await faults.text()).toBe(true);
}

/**
 * Makes each phone of `replies` answer every message with exactly that text (the sandbox's
 * `scripted_replies`, replaced wholesale: `{}` clears them). How a spec makes a contact write
 * STOP: the webhook's secret is the API's, which the browser suite is not given.
 */
export async function scriptReplies(request: APIRequestContext, replies: Record<string, string>): Promise<void> {
  const config = await request.post(`${SANDBOX_URL}/sandbox/config`, { data: { scripted_replies: replies } });
  expect(config.ok(), await config.text()).toBe(true);
}
