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

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ baseURL: inject('baseUrl'), acceptDownloads: true, viewport });
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

/** The next request the page makes to `path`, as a URL. */
async function nextRequest(page: Page, path: string, action: () => Promise<unknown>): Promise<URL> {
  const [request] = await Promise.all([
    page.waitForRequest((candidate) => new URL(candidate.url()).pathname === path),
    action(),
  ]);
  return new URL(request.url());
}

/** The visible text of one column of a table, row by row. */
function columnTexts(page: Page, table: string, column: number): Promise<string[]> {
  return page.getByRole('table', { name: table }).locator(`tbody tr td:nth-child(${column})`).allInnerTexts();
}

/**
 * Elements that stick out of the viewport sideways (screen-reader-only ones aside) and
 * whether the page scrolls sideways at all.
 */
function overflow(page: Page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const offenders: string[] = [];
    for (const element of document.body.querySelectorAll('*')) {
      if (element.closest('.sr-only')) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.right > width + 0.5 || box.left < -0.5) {
        offenders.push(`${element.outerHTML.slice(0, 120)} at ${box.left}..${box.right}`);
      }
    }
    return { width, scrollWidth: document.documentElement.scrollWidth, offenders };
  });
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

  it('switches every time chart of the dashboard between 7, 30 and 90 days', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    const period = (days: number) => page.getByRole('group', { name: 'Period' }).getByRole('button', { name: `${days} days` });
    await period(30).waitFor();
    expect(await period(30).getAttribute('aria-pressed')).toBe('true');
    // The first load's requests (the forecast waits for the preferences) are all out.
    await page.waitForLoadState('networkidle');

    const requests = ['/orders/analytics/timeseries', '/orders/analytics/forecast', '/users/analytics/timeseries'];
    const asked = requests.map((path) => page.waitForRequest((request) => new URL(request.url()).pathname === path));
    await period(7).click();
    for (const request of await Promise.all(asked)) {
      expect(new URL(request.url()).searchParams.get('days')).toBe('7');
    }
    await page.getByRole('region', { name: 'Orders and revenue, last 7 days, with a 7-day forecast' }).locator('canvas').waitFor();
    await page.getByRole('region', { name: 'User sign-ups, last 7 days' }).locator('canvas').waitFor();
    expect(new URL(page.url()).searchParams.get('days')).toBe('7');

    await page.reload();
    await page.getByRole('region', { name: 'User sign-ups, last 7 days' }).locator('canvas').waitFor();
    expect(await period(7).getAttribute('aria-pressed')).toBe('true');
    const ninety = await nextRequest(page, '/orders/analytics/timeseries', () => period(90).click());
    expect(ninety.searchParams.get('days')).toBe('90');
    await page.getByRole('region', { name: /^Orders and revenue, last 90 days/ }).locator('canvas').waitFor();
    await screenshot(page, 'dashboard-day-switch');
  });

  it('downloads a chart’s data as CSV and the chart as PNG', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    const card = page.getByRole('region', { name: 'Orders by status' });
    await card.locator('canvas').waitFor();

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: 'Download Orders by status as CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe('orders-by-status.csv');
    const rows = readFileSync(await csv.path(), 'utf8').trim().split('\r\n');
    // Alice's order was delivered: one delivered order, none in any other status.
    expect(rows).toEqual(['status,orders', 'Pending,0', 'Processing,0', 'Shipped,0', 'Delivered,1', 'Cancelled,0']);

    const stock = page.getByRole('region', { name: 'The 10 lowest stock levels' });
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      stock.getByRole('button', { name: /as PNG$/ }).click(),
    ]);
    expect(png.suggestedFilename()).toBe('lowest-stock.png');
    const image = readFileSync(await png.path());
    expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(image.length).toBeGreaterThan(1000);
    await screenshot(page, 'dashboard-export');
  });

  it('asks for the forecast the user chose in the settings', async () => {
    const page = await newPage();
    await signIn(page, bob.email, bob.password);
    const before = await nextRequest(page, '/orders/analytics/forecast', () => page.reload());
    expect(Object.fromEntries(before.searchParams)).toEqual({ days: '30', method: 'auto', seasonality: 'auto', conf: '0.95' });

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Forecast method').selectOption('hw');
    await page.getByLabel('Seasonality').selectOption('weekday');
    await page.getByLabel('Confidence band').selectOption('0.99');
    await page.getByLabel('Colour-blind safe (Okabe–Ito)').check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Preferences saved.').waitFor();

    const after = await nextRequest(page, '/orders/analytics/forecast', () =>
      page.getByRole('link', { name: 'Dashboard' }).click(),
    );
    expect(Object.fromEntries(after.searchParams)).toEqual({ days: '30', method: 'hw', seasonality: 'weekday', conf: '0.99' });
    // Stored on the server: a fresh load asks the same.
    const reloaded = await nextRequest(page, '/orders/analytics/forecast', () => page.reload());
    expect(reloaded.search).toBe(after.search);
    await page.getByRole('link', { name: 'Settings' }).click();
    expect(await page.getByLabel('Colour-blind safe (Okabe–Ito)').isChecked()).toBe(true);
    await screenshot(page, 'settings-change-the-forecast');
  });

  it('sorts a list on the server by a column, and keeps the sort in the URL', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto('/app/users');
    await page.getByRole('table', { name: 'Users' }).waitFor();

    const ascending = await nextRequest(page, '/users/', () => page.getByRole('button', { name: /^Name/ }).click());
    expect(ascending.searchParams.get('sort')).toBe('name');
    await page.waitForURL(/[?&]sort=name(&|$)/);
    await page.getByRole('columnheader', { name: /^Name/ }).and(page.locator('[aria-sort="ascending"]')).waitFor();
    const names = await columnTexts(page, 'Users', 1);
    expect(names).toContain(alice.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));

    const descending = await nextRequest(page, '/users/', () => page.getByRole('button', { name: /^Name/ }).click());
    expect(descending.searchParams.get('sort')).toBe('-name');
    await page.waitForURL(/[?&]sort=-name(&|$)/);
    await page.locator('th[aria-sort="descending"]').waitFor();
    await expect.poll(() => columnTexts(page, 'Users', 1)).toEqual([...names].reverse());

    // A reload (or the same link elsewhere) shows the same order.
    await page.reload();
    await page.locator('th[aria-sort="descending"]').waitFor();
    expect(await columnTexts(page, 'Users', 1)).toEqual([...names].reverse());
    await screenshot(page, 'list-sorted-by-name');
  });

  it('fits every page on a phone-wide screen', async () => {
    const page = await newPage({ width: 390, height: 844 });
    const pages: [string, () => Promise<void>][] = [
      ['/login', () => page.getByRole('button', { name: 'Sign in' }).waitFor()],
      ['/register', () => page.getByRole('button', { name: 'Create account' }).waitFor()],
    ];
    const signedIn: [string, () => Promise<void>][] = [
      ['/app?days=90', () => page.getByRole('region', { name: 'The 10 lowest stock levels' }).locator('canvas').waitFor()],
      ['/app?days=30', () => page.getByRole('region', { name: /^Orders and revenue/ }).locator('canvas').waitFor()],
      ['/app/orders', () => page.getByRole('table', { name: 'Orders' }).waitFor()],
      [`/app/orders/${encodeURIComponent(orderId)}`, () => page.getByRole('list', { name: 'Order timeline' }).waitFor()],
      ['/app/inventory', () => page.getByRole('table', { name: 'Inventory items' }).waitFor()],
      ['/app/users', () => page.getByRole('table', { name: 'Users' }).waitFor()],
      ['/app/settings', () => page.getByRole('button', { name: 'Save preferences' }).waitFor()],
    ];
    const check = async ([path, loaded]: [string, () => Promise<void>]) => {
      await page.goto(path);
      await loaded();
      expect({ path, ...(await overflow(page)) }).toEqual({ path, width: 390, scrollWidth: 390, offenders: [] });
    };
    for (const entry of pages) await check(entry);
    await signIn(page, ADMIN.email, ADMIN.password);
    // Every link of the navigation is on screen.
    for (const link of await page.getByRole('navigation', { name: 'Main' }).getByRole('link').all()) {
      expect(await link.isVisible()).toBe(true);
    }
    for (const entry of signedIn) await check(entry);
    await page.goto('/app');
    await page.getByRole('region', { name: /^Orders and revenue/ }).locator('canvas').waitFor();
    await screenshot(page, 'phone-dashboard');
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
