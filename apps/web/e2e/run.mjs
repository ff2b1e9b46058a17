// End-to-end tests of the web app against a real shop-api, in headless Chromium (see harness.mjs).
// Each spec gets a shop-api of its own, started with the spec's settings:
//   journey.mjs   the shopping journey (no e-mail verification asked)
//   accounts.mjs  e-mail verification, password reset, sign-in back-off, the admin audit log
// `npm run e2e -- accounts` runs only the specs named.
import { launchBrowser, passedSteps, shots, startShop } from './harness.mjs';
import * as journey from './journey.mjs';
import * as accounts from './accounts.mjs';

const all = [journey, accounts];
const wanted = process.argv.slice(2);
const specs = wanted.length ? all.filter((s) => wanted.includes(s.name)) : all;
if (!specs.length) {
  console.error(`no spec named ${wanted.join(', ')} (there are: ${all.map((s) => s.name).join(', ')})`);
  process.exit(2);
}

let browser;
let failed = false;
for (const spec of specs) {
  console.log(`\n# ${spec.name}`);
  let shop;
  try {
    shop = await startShop(spec.env);
    browser ??= await launchBrowser();
    await spec.run({ ...shop, browser });
  } catch (e) {
    if (!e?.reported) console.error(`FAIL ${spec.name}${shop ? '' : ' (starting shop-api)'}: ${e?.stack ?? e}`);
    failed = true;
  } finally {
    shop?.stop();
  }
  if (failed) break;
}
await browser?.close().catch(() => undefined);
console.log(`\ne2e: ${passedSteps()} passed${failed ? ', 1 failed' : ''}; screenshots in ${shots}`);
process.exit(failed ? 1 : 0);
