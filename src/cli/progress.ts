/** Where progress goes: a terminal stream (stderr in practice). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Live counts of a long operation, one line per item rewritten in place (`label: done/total`), only
 * when the stream is a terminal: piped output and `--json` consumers see nothing of it.
 */
export function createProgressPrinter(stream: ProgressStream) {
  let label: string | undefined;
  return {
    update(item: string, done: number, total: number) {
      if (!stream.isTTY) return;
      if (label !== undefined && label !== item) stream.write('\n');
      label = item;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      stream.write(`\r\u001b[2K${item}: ${done}/${total} (${percent}%)`);
    },
    /** Ends the current line; call before printing anything else. */
    finish() {
      if (stream.isTTY && label !== undefined) stream.write('\n');
      label = undefined;
    },
  };
}
