#!/usr/bin/env node
import { ensureBundle } from '../scripts/bundle.mjs';

process.setSourceMapsEnabled(true);
const { main } = await import(await ensureBundle());
await main(process.argv);
