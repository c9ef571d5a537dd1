/** Load a report page in chromium while recording console errors, page errors, dialogs and network requests. */
import type { BrowserContext, Page } from 'playwright-core';

/** The address the page is served at: the route handler answers it, and refuses everything else. */
export const PAGE_URL = 'http://wirewhy.invalid/report.html';

/** A loaded page and what happened while it loaded and ran. */
export interface LoadedPage {
  page: Page;
  /** Console errors and warnings, and uncaught exceptions. */
  problems: string[];
  /** Every request other than the page itself (each was refused). */
  requests: string[];
  /** alert/confirm/prompt dialogs opened (an injected script would open one). */
  dialogs: string[];
}

/** Open `html` in a new page of `context`. */
export async function loadReport(context: BrowserContext, html: string): Promise<LoadedPage> {
  const page = await context.newPage();
  const loaded: LoadedPage = { page, problems: [], requests: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') loaded.problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => loaded.problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    loaded.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === PAGE_URL) {
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      return;
    }
    loaded.requests.push(url);
    await route.abort();
  });
  await page.goto(PAGE_URL, { waitUntil: 'load' });
  return loaded;
}
