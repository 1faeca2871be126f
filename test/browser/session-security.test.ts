/**
 * The dashboard's sessions and defences in a real browser: signing in keeps only a session cookie
 * (HttpOnly, SameSite=Strict), every page but /app needs a session, a POST without the CSRF token is
 * refused, a read-only key sees no write controls and a forged write is refused by the operation's
 * scope, contact text renders as text, and revoking a key signs its sessions out.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { csrfOf, launchChromium, newContext, screenshot, signIn } from './browser.ts';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
// Each test starts with fresh rate-limit windows.
beforeEach(() => server.advance(61_000));

describe('dashboard sessions', () => {
  it('signs in with a key, keeps only a session cookie, and signs out', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const anonymous = await page.goto(`${server.url}/app/campaigns`);
    expect(anonymous?.url()).toBe(`${server.url}/app`);
    expect(anonymous?.headers()['content-security-policy']).toContain("script-src 'self'");
    await screenshot(page, 'sign-in');

    await page.getByLabel('API key').fill('is_live_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('APIKEY_001');

    await signIn(page, server.url, server.adminKey);
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'iris_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/app' });
    expect(cookies.map((cookie) => cookie.value).join(' ')).not.toContain(server.adminKey);
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    expect(
      await page.evaluate<string>(
        'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })',
      ),
    ).toBe('{}{}');
    await screenshot(page, 'home');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('iris');
    await page.goto(`${server.url}/app/review`);
    expect(page.url()).toBe(`${server.url}/app`);
    // The old cookie names no session any more.
    await context.addCookies([{ ...(session as NonNullable<typeof session>) }]);
    await page.goto(`${server.url}/app/keys`);
    expect(page.url()).toBe(`${server.url}/app`);
    await context.close();
  });

  it('refuses a form post without the CSRF token, or with another session’s', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, server.adminKey);
    const token = await csrfOf(page);

    const missing = await page.request.post(`${server.url}/app/campaigns`, {
      form: { name: 'No token', objective_type: 'product_promotion' },
      maxRedirects: 0,
    });
    expect(missing.status()).toBe(403);
    expect(await missing.text()).toContain('AUTH_002');

    const other = await newContext(browser);
    const otherPage = await other.newPage();
    await signIn(otherPage, server.url, server.adminKey);
    const foreign = await otherPage.request.post(`${server.url}/app/campaigns`, {
      form: { _csrf: token, name: 'Foreign token', objective_type: 'product_promotion' },
      maxRedirects: 0,
    });
    expect(foreign.status()).toBe(403);

    const crossSite = await page.request.post(`${server.url}/app/campaigns`, {
      form: { _csrf: token, name: 'Cross site', objective_type: 'product_promotion' },
      headers: { Origin: 'https://evil.example' },
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);

    const listed = await api(server.url, 'GET', '/campaigns', { key: server.adminKey });
    expect(listed.body.data.map((c: { name: string }) => c.name)).toEqual([]);

    const signInWithoutToken = await other.request.post(`${server.url}/app/sign-in`, {
      form: { api_key: server.adminKey },
      maxRedirects: 0,
    });
    expect(signInWithoutToken.status()).toBe(403);
    await context.close();
    await other.close();
  });

  it('shows a read-only key no write controls, and the operation refuses a forged write', async () => {
    const readOnly = await createKey(server.url, server.adminKey, ['read']);
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: { name: 'Visible campaign', objective_type: 'product_promotion' },
    });
    expect(created.status).toBe(201);
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, readOnly.key);
    expect(await page.getByRole('link', { name: 'Keys' }).count()).toBe(0);

    await page.goto(`${server.url}/app/campaigns`);
    expect(await page.getByRole('link', { name: 'Visible campaign' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Create campaign' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Activate' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await page.goto(`${server.url}/app/contacts`);
    expect(await page.getByText('Import a CSV').count()).toBe(0);
    await page.goto(`${server.url}/app/review`);
    expect(await page.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    await screenshot(page, 'read-only-campaigns');

    const token = await csrfOf(page);
    const forged = await page.request.post(`${server.url}/app/campaigns/${created.body.data.id}/delete`, {
      form: { _csrf: token },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('APIKEY_004');
    await page.goto(`${server.url}/app/keys`);
    expect(await page.getByRole('alert').textContent()).toContain('APIKEY_004');
    const still = await api(server.url, 'GET', `/campaigns/${created.body.data.id}`, {
      key: server.adminKey,
    });
    expect(still.body.data.status).toBe('draft');
    await context.close();
  });

  it('renders a contact named like markup as text', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const contact = await api(server.url, 'POST', '/contacts', {
      key: server.adminKey,
      body: { email: 'xss@example.com', first_name: name, company: '"><script>alert(2)</script>' },
    });
    expect(contact.status, contact.text).toBe(201);
    const context = await newContext(browser);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(page, server.url, server.adminKey);
    await page.goto(`${server.url}/app/contacts?search=xss`);
    const row = page.locator('table.contacts tbody tr', { hasText: 'xss@example.com' });
    expect(await row.locator('td.contact-name').textContent()).toBe(name);
    await expect.poll(() => row.textContent()).toContain('"><script>alert(2)</script>');
    expect(await page.locator('table.contacts img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('signs a session out when its key is revoked', async () => {
    const victim = await createKey(server.url, server.adminKey, ['*']);
    const admin = await newContext(browser);
    const adminPage = await admin.newPage();
    await signIn(adminPage, server.url, server.adminKey);
    const user = await newContext(browser);
    const userPage = await user.newPage();
    await signIn(userPage, server.url, victim.key);

    await adminPage.goto(`${server.url}/app/keys`);
    adminPage.once('dialog', (dialog) => void dialog.accept());
    await adminPage.locator(`tr[data-key-id="${victim.id}"]`).getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => adminPage.getByRole('status').first().textContent()).toContain('Key revoked');
    await expect
      .poll(() => adminPage.locator(`tr[data-key-id="${victim.id}"]`).textContent())
      .toContain('revoked');

    await userPage.goto(`${server.url}/app/review`);
    expect(new URL(userPage.url()).pathname).toBe('/app');
    expect(await userPage.getByLabel('API key').isVisible()).toBe(true);
    await admin.close();
    await user.close();
  });
});
