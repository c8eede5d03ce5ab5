import { randomBytes } from 'node:crypto';
import { extname } from 'node:path';

const contentTypes: Record<string, string> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.ts': 'text/x-typescript',
  '.js': 'application/javascript',
  '.json': 'application/json',
  '.html': 'text/html',
  '.css': 'text/css',
  '.py': 'text/x-python',
  '.sh': 'application/x-sh',
  '.yml': 'application/x-yaml',
  '.yaml': 'application/x-yaml',
  '.xml': 'application/xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

/** Content-Type from the file name's extension only, without a charset, as `src` does. */
export function contentTypeFor(path: string): string {
  return contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Bitbucket's notion of binary: NUL bytes or invalid UTF-8 in the content. */
export function isBinary(content: Buffer): boolean {
  if (content.includes(0)) return true;
  return !Buffer.from(content.toString('utf8'), 'utf8').equals(content);
}

export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Serialises parts into a multipart body (CRLF line ends, RFC 2046) and returns the boundary used. */
export function buildMultipart(parts: MultipartPart[]): { boundary: string; body: Buffer } {
  const boundary = `----bitbucket-emulator-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const head = Object.entries(part.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n`), Buffer.from(part.body), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { boundary, body: Buffer.concat(chunks) };
}

/** The file part of a snippet: text stays as is, binary content goes base64-encoded. */
export function fileBody(content: Buffer): { body: Buffer | string; transferEncoding: string } {
  return isBinary(content) ? { body: content.toString('base64'), transferEncoding: 'base64' } : { body: content, transferEncoding: '8bit' };
}
