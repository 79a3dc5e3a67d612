// The newcomer check, in a real browser: open GraphiQL from the URL `switchboard serve`
// printed (token in the fragment), start a subscription in one tab, send a message in a
// second tab, and see it arrive in the first. Screenshots go to $OUT (default /tmp).
//
//   node tests/browser/graphiql.mjs "http://127.0.0.1:8080/graphql#token=sbt_…"
//
// Needs Debian's chromium and the npm package playwright-core (not part of CI).
import { chromium } from 'playwright-core';

const url = process.argv[2];
const out = process.env.OUT || '/tmp';
if (!url) throw new Error('usage: node graphiql.mjs <GraphiQL URL with #token=…>');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const failed = [];
context.on('requestfailed', (r) => failed.push(r.url()));

async function openGraphiQL(target) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(target);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20000 });
  return page;
}

async function run(page, query) {
  await page.evaluate((q) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
  }, query);
  // GraphiQL derives the operation name from the editor a moment after a change.
  await page.waitForTimeout(500);
  await page.click('.graphiql-execute-button');
}

async function response(page) {
  return page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
}

const first = await openGraphiQL(url);
// Let GraphiQL finish loading the schema before typing.
await first.waitForTimeout(1500);
// The first tab lands on the default query; run it to learn a chat id.
await run(first, '{ me { name } chats(first: 1) { edges { node { id name } } } }');
await first
  .waitForFunction(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes('"me"'))
  .catch(async (e) => {
    await first.screenshot({ path: `${out}/graphiql-failure.png` });
    throw e;
  });
const overview = JSON.parse(await response(first));
const chat = overview.data.chats.edges[0].node;
console.log('signed in as', overview.data.me.name, '— chat', chat.name, chat.id);

await run(first, `subscription { messageAdded(chatId: "${chat.id}") { content author { name } } }`);
await first.waitForTimeout(1000);

// The second tab opens the plain URL: the token was kept from the first visit.
const second = await openGraphiQL(url.split('#')[0]);
await second.waitForTimeout(1500);
const text = `Hello from the browser ${Date.now()}`;
await run(second, `mutation { sendMessage(input: { chatId: "${chat.id}", content: "${text}" }) { id content } }`);
await second.waitForFunction(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes('sendMessage'));
await second.screenshot({ path: `${out}/graphiql-mutation.png` });

await first.bringToFront();
await first.waitForFunction((t) => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes(t), text, { timeout: 10000 });
await first.screenshot({ path: `${out}/graphiql-subscription.png` });
console.log('subscription received:', (await response(first)).replace(/\s+/g, ' '));
const external = failed.filter((u) => !u.startsWith(url.split('/graphql')[0]));
if (external.length) console.log('requests that left the server:', external);
await browser.close();
console.log('OK');
