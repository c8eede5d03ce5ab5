import type { Command } from 'commander';

export function registerPrepare(program: Command): void {
  program
    .command('prepare')
    .description(
      'Check the built-in toolkits and build local caches (parsed toolkits, embedded database template) so the first start is fast; npm install runs it',
    )
    .action(async () => {
      const { builtinToolkitsDir, loadToolkitsFrom } = await import('../catalog/index.js');
      const toolkits = loadToolkitsFrom(builtinToolkitsDir);
      process.stdout.write(`switchboard: ${toolkits.length} built-in toolkits valid (${toolkits.reduce((n, t) => n + t.tools.length, 0)} tools)\n`);
      const { buildPgliteTemplate, pgliteTemplatePath, readPgliteTemplate } = await import('../db/index.js');
      if (readPgliteTemplate()) {
        process.stdout.write(`switchboard: embedded database template ready (${pgliteTemplatePath()})\n`);
        return;
      }
      const started = performance.now();
      process.stdout.write('switchboard: preparing the embedded database template (once per PGlite version and schema)… ');
      const path = await buildPgliteTemplate();
      process.stdout.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s (${path})\n`);
    });
}
