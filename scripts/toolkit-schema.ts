// Writes schemas/toolkit.schema.json from the zod definition of the toolkit format
// (`npm run schema:toolkit`); a test fails when the published file is out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolkitJsonSchema } from '../src/catalog/index.js';
import { packageRoot } from '../src/paths.js';

const path = join(packageRoot, 'schemas', 'toolkit.schema.json');
writeFileSync(path, `${JSON.stringify(toolkitJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path}\n`);
