import { describe, expect, it } from 'vitest';
import { createProgressPrinter } from '../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe('progress printer', () => {
  it('rewrites one line per item in place on a terminal', () => {
    const terminal = stream(true);
    const progress = createProgressPrinter(terminal);
    progress.update('auth_configs.client_secret', 0, 4);
    progress.update('auth_configs.client_secret', 4, 4);
    progress.update('connected_accounts.credentials', 0, 0);
    progress.finish();
    expect(terminal.written.join('')).toBe(
      '\r\u001b[2Kauth_configs.client_secret: 0/4 (0%)\r\u001b[2Kauth_configs.client_secret: 4/4 (100%)\n\r\u001b[2Kconnected_accounts.credentials: 0/0 (100%)\n',
    );
  });

  it('prints nothing when the output is not a terminal', () => {
    const piped = stream(false);
    const progress = createProgressPrinter(piped);
    progress.update('x', 1, 2);
    progress.finish();
    expect(piped.written).toEqual([]);
  });
});
