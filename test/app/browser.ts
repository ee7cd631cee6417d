/**
 * Headless Chromium (Debian's) driven through the app's puppeteer-core, for the tiers that
 * use the app as a person would: sign the guest book, read it back.
 */
import * as path from "path";
import { ROOT } from "../mocks";

const CHROMIUM = process.env.CHROME_PATH ?? "/usr/bin/chromium";

/** The part of puppeteer-core (an app dev dependency, outside this tsconfig) the tiers drive. */
export interface Page {
  goto(url: string, opts?: { waitUntil: "networkidle0" }): Promise<unknown>;
  type(selector: string, text: string): Promise<void>;
  click(selector: string): Promise<void>;
  waitForFunction(fn: (text: string) => boolean, opts: { timeout: number }, arg: string): Promise<unknown>;
  evaluate<T>(fn: () => T): Promise<T>;
}
interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Runs `use` with a fresh browser page, closing the browser after. */
export async function withPage<T>(use: (page: Page) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const puppeteer = require(path.join(ROOT, "app", "node_modules", "puppeteer-core")) as { launch(o: object): Promise<Browser> };
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    return await use(await browser.newPage());
  } finally {
    await browser.close();
  }
}

/** Signs the guest book at `base` through its form and waits until the page shows the entry. */
export async function signGuestBook(page: Page, base: string, name: string, message: string): Promise<void> {
  await page.goto(`${base}/guestbook`, { waitUntil: "networkidle0" });
  await page.type("#name", name);
  await page.type("#message", message);
  await Promise.all([page.waitForFunction((text) => document.body.innerText.includes(text), { timeout: 30_000 }, message), page.click("button[type=submit]")]);
}

/** The guest book's text as a fresh load of the page shows it. */
export async function guestBookText(page: Page, base: string): Promise<string> {
  await page.goto(`${base}/guestbook`, { waitUntil: "networkidle0" });
  return page.evaluate(() => document.body.innerText);
}
