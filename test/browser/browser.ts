/**
 * Helpers of the dashboard's browser tests: Debian's chromium (/usr/bin/chromium, installed by .ci/run;
 * never downloaded) driven by playwright-core, signing in through the page, and screenshots saved under
 * test/browser/__screenshots__/ (gitignored) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('./__screenshots__/', import.meta.url).pathname;

export function launchChromium(): Promise<Browser> {
  // As root (CI), chromium needs --no-sandbox.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A browser context of its own (cookies), 375 px wide when `narrow`; it fails the test on a page error. */
export async function newContext(browser: Browser, narrow = false): Promise<BrowserContext> {
  return browser.newContext(
    narrow ? { viewport: { width: 375, height: 800 } } : { viewport: { width: 1200, height: 900 } },
  );
}

export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/app`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main h1', { hasText: 'Home' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** The CSRF token the page's forms carry (the sign-out form is on every signed-in page). */
export async function csrfOf(page: Page): Promise<string> {
  const token = await page.locator('input[name="_csrf"]').first().inputValue();
  expect(token.length).toBeGreaterThan(20);
  return token;
}
