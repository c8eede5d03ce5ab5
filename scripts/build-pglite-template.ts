// postinstall: prepares the empty embedded-database cluster so the first `npm start` is fast.
import { buildPgliteTemplate } from '../src/db/pglite-template.js';

const started = performance.now();
process.stdout.write('switchboard: preparing the embedded database template… ');
const path = await buildPgliteTemplate();
process.stdout.write(`done in ${Math.round(performance.now() - started)} ms (${path})\n`);
process.exit(0);
