// The SPA in headless Chromium against the real application. Each scenario saves a
// screenshot to e2e/screenshots/<scenario>.png.

import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, screenshot, signIn } from './browser';

const ADMIN = { email: 'admin@test.com', password: 'password123' };
const run = Math.random().toString(36).slice(2, 8);
const SKU = `MUG-${run}`.toUpperCase();
const alice = { name: 'Alice Buyer', email: `alice-${run}@example.com`, password: 'alice-password' };
const bob = { name: 'Bob Other', email: `bob-${run}@example.com`, password: 'bob-password-1' };

let browser: Browser;
const contexts: BrowserContext[] = [];
/** The order Alice places, shipped by the admin and hidden from Bob. */
let orderId = '';

async function newPage(): Promise<Page> {
  const context = await browser.newContext({
    baseURL: inject('baseUrl'),
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  contexts.push(context);
  return context.newPage();
}

async function register(page: Page, user: typeof alice) {
  await page.goto('/register');
  await page.getByLabel('Name').fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: /Dashboard/ }).waitFor();
}

async function stockOf(page: Page, sku: string): Promise<number> {
  const cell = page.getByTestId(`stock-${sku}`);
  await cell.waitFor();
  return Number(await cell.textContent());
}

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser.close();
});

describe('the shop in a browser', () => {
  it('registers a user who can then sign out and sign in again', async () => {
    const page = await newPage();
    await page.goto('/register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Enter your name.').waitFor();

    await register(page, alice);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);

    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();

    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard — your orders' }).waitFor();
    await screenshot(page, 'register-and-login');
  });

  it('lets an admin create inventory', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Inventory' }).click();
    await page.getByRole('button', { name: 'New item' }).click();
    const dialog = page.getByRole('dialog', { name: 'New item' });
    await dialog.getByLabel('SKU').fill(SKU);
    await dialog.getByLabel('Name').fill('Browser test mug');
    await dialog.getByLabel('Quantity').fill('10');
    await dialog.getByLabel('Price').fill('4.50');
    await dialog.getByRole('button', { name: 'Create item' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await stockOf(page, SKU)).toBe(10);
    await screenshot(page, 'admin-creates-inventory');
  });

  it('lets a user place an order and see the stock go down', async () => {
    const page = await newPage();
    await signIn(page, alice.email, alice.password);
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('button', { name: 'New order' }).click();
    const dialog = page.getByRole('dialog', { name: 'New order' });
    await dialog.getByLabel('Item').selectOption(SKU);
    await dialog.getByLabel('Quantity').fill('3');
    await dialog.getByRole('button', { name: 'Add item' }).click();
    expect(await dialog.getByTestId('order-total').textContent()).toBe('$13.50');
    await dialog.getByRole('button', { name: 'Place order' }).click();

    await page.waitForURL(/\/app\/orders\/[^/]+$/);
    orderId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    await page.getByTestId('order-status').getByText('Pending').waitFor();
    await screenshot(page, 'user-places-order');

    await page.getByRole('link', { name: 'Inventory' }).click();
    expect(await stockOf(page, SKU)).toBe(7);
    await screenshot(page, 'stock-went-down');
  });

  it('lets the admin move the order through its statuses, each on the timeline', async () => {
    expect(orderId).not.toBe('');
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto(`/app/orders/${encodeURIComponent(orderId)}`);
    const timeline = page.getByRole('list', { name: 'Order timeline' });
    await timeline.waitFor();
    for (const [action, status] of [
      ['Mark as processing', 'Processing'],
      ['Mark as shipped', 'Shipped'],
      ['Mark as delivered', 'Delivered'],
    ] as const) {
      await page.getByRole('button', { name: action }).click();
      await page.getByTestId('order-status').getByText(status).waitFor();
    }
    await page.getByText('its status is final').waitFor();
    // Only the allowed transitions are offered: none after delivery.
    expect(await page.getByRole('button', { name: /Mark as|Cancel order|Reactivate/ }).count()).toBe(0);
    await timeline.getByRole('listitem').nth(3).waitFor();
    const steps = await timeline.getByRole('listitem').allTextContents();
    expect(steps).toHaveLength(4);
    expect(steps.slice(1).map((step) => /processing|shipped|delivered/i.exec(step.split(' to ').pop() ?? '')?.[0]?.toLowerCase())).toEqual([
      'processing',
      'shipped',
      'delivered',
    ]);
    await screenshot(page, 'admin-ships-order-timeline');
  });

  it('hides the Users page and other people’s orders from a plain user', async () => {
    const page = await newPage();
    await register(page, bob);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).count()).toBe(0);
    await page.goto('/app/users');
    await page.getByText('This page is for administrators only.').waitFor();
    await page.goto(`/app/orders/${encodeURIComponent(orderId)}`);
    await page.getByText('Order not found').waitFor();
    await screenshot(page, 'user-cannot-see-others');
  });

  it('exports CSV and reports the bad row of an import', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto('/app/inventory');
    await page.getByTestId(`stock-${SKU}`).waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('inventory.csv');
    const exported = readFileSync(await download.path(), 'utf8');
    expect(exported.split('\n')[0]).toMatch(/sku/);
    expect(exported).toContain(SKU);

    await page.getByLabel('CSV file to import').setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`sku,qty\nGOOD-${run},5\nBAD SKU ${run},-3\n`),
    });
    const errors = page.getByRole('list', { name: 'Import errors' });
    await errors.waitFor();
    expect(await errors.textContent()).toMatch(/Row\s*\d/i);
    await page.getByRole('searchbox', { name: 'Search SKU' }).fill(`GOOD-${run}`);
    await page.getByText('No items found.').waitFor();
    await screenshot(page, 'csv-export-and-bad-import');
  });

  it('keeps preferences across a reload', async () => {
    const page = await newPage();
    await signIn(page, alice.email, alice.password);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Dark').check();
    await page.getByLabel('Rows per page').selectOption('10');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Preferences saved.').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);

    // Forget the locally remembered theme: after the reload it must come from the server.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'));
    expect(await page.getByLabel('Rows per page').inputValue()).toBe('10');
    expect(await page.getByLabel('Dark').isChecked()).toBe(true);
    await screenshot(page, 'preferences-survive-reload');
  });

  it('reloads deep links into the same page', async () => {
    const page = await newPage();
    await page.goto('/app/inventory?from=deep-link');
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/app\/inventory\?from=deep-link$/);
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();

    await page.goto(`/app/orders/${encodeURIComponent(orderId)}`);
    await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
    const response = await page.reload();
    expect(response?.headers()['content-type']).toContain('text/html');
    await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
    await screenshot(page, 'deep-link-reload');
  });
});
