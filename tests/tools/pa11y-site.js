#!/usr/bin/env node
// pa11y (HTML_CodeSniffer, WCAG 2 AA) over many pages in one process and one browser.
//   node pa11y-site.js CHROMIUM URL...   prints one JSON object: {url: [issue, ...], ...}
// Errors and warnings are both reported; the test decides what fails.
"use strict";
const pa11y = require("pa11y");
const puppeteer = require("puppeteer");

// Chromium must not call home: this machine (and a ward PC) may have no network at all.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

async function main([executablePath, ...urls]) {
  const browser = await puppeteer.launch({ executablePath, headless: true, args: ARGS });
  const results = {};
  try {
    for (const url of urls) {
      const run = await pa11y(url, {
        browser,
        standard: "WCAG2AA",
        runners: ["htmlcs"],
        includeWarnings: true,
        timeout: 60000,
      });
      results[url] = run.issues;
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results));
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
