import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { UserSchema } from '@learnlive/contracts';
import { launchChromium } from '@learnlive/testing';
import { register, request, signedInPage, uniqueWord } from './support.js';

const baseUrl = inject('baseUrl');
const url = (path: string) => new URL(path, baseUrl).toString();

describe('the client frame: language, deep links, navigation', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('brings a visitor who signs in from a members’ page back to it', async () => {
    const email = `deep-${uniqueWord()}@example.org`;
    await register(baseUrl, 'Dee Link', 'learner', email);
    const page = await browser.newPage();
    await page.goto(url('/sessions?from=mail'));
    const prompt = page.getByTestId('members-only');
    await prompt.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/sessions?from=mail'));
    expect(await prompt.count()).toBe(0);

    // another origin in next is not followed
    await page.goto(url('/sign-in?next=//evil.example/x'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/learning'));
    await page.close();
  });

  it('switches to French, says so in <html lang>, and keeps it in the account', async () => {
    const who = await register(baseUrl, 'Lou Langue', 'learner');
    const page = await signedInPage(browser, baseUrl, who);
    await page.goto(url('/learning'));
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('button', { name: 'Language' }).click();
    await page.getByRole('menuitem', { name: 'Français' }).click();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr');
    await expect.poll(() => page.getByRole('link', { name: 'Mes cours' }).count()).toBe(1);
    await expect
      .poll(
        async () => UserSchema.parse((await request(baseUrl, 'GET', '/api/me', who.accessToken)).body).locale,
      )
      .toBe('fr');

    // the account's language wins over the browser's (en-US) on a new device
    const other = await browser.newPage();
    await other.goto(url('/sign-in'));
    await other.getByLabel('Email').fill(who.user.email);
    await other.getByLabel('Password').fill('correct horse battery');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => other.locator('html').getAttribute('lang')).toBe('fr');
    await expect.poll(() => other.getByRole('link', { name: 'Mes cours' }).count()).toBe(1);
    await page.context().close();
    await other.close();
  });

  it('folds the navigation behind a menu button on a phone and marks the current page', async () => {
    const who = await register(baseUrl, 'Pia Phone', 'learner');
    const page = await signedInPage(browser, baseUrl, who, { viewport: { width: 360, height: 740 } });
    await page.goto(url('/courses'));
    const nav = page.getByRole('navigation', { name: 'Main' });
    const catalog = nav.getByRole('link', { name: 'Catalog' });
    expect(await catalog.isVisible()).toBe(false);
    const toggle = page.getByRole('button', { name: 'Menu' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => catalog.isVisible()).toBe(true);
    expect(await catalog.getAttribute('aria-current')).toBe('page');
    await nav.getByRole('link', { name: 'Community' }).click();
    await page.waitForURL(url('/community'));
    // following a link closes the menu
    await expect.poll(() => catalog.isVisible()).toBe(false);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBe(0);
    await page.context().close();
  });
});
