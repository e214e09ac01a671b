#!/usr/bin/env node
// Screenshots the dashboard of a running `recomart serve` in headless Chromium, after a user
// lookup: node scripts/dashboard-screenshot.mjs <url> <user> <out.png>. Made docs/images/dashboard.png.
import puppeteer from 'puppeteer-core';

const [url = 'http://127.0.0.1:8080', user = 'CUST001', out = 'docs/images/dashboard.png'] =
  process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1100 });
  await page.goto(url, { waitUntil: 'networkidle0' });
  await page.waitForSelector('body[data-loaded="true"]');
  await page.type('#user', user);
  await page.click('#lookup-form button');
  await page.waitForSelector(`body[data-lookup="${user}"]`);
  await page.screenshot({ path: out });
  console.log(out);
} finally {
  await browser.close();
}
