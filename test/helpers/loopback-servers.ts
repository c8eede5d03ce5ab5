import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface LoopbackServer {
  host: string;
  port: number;
  /** `http://host:port`, IPv6 hosts in brackets. */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Handler = (request: RecordedRequest, response: ServerResponse) => void;

/**
 * A server on a loopback address that records what reaches it. The default handler answers
 * `/redirect?to=URL&status=302` with that redirect and anything else with a small JSON document.
 */
export async function startLoopbackServer(host: string, handler?: Handler): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const recorded = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      requests.push(recorded);
      if (handler) return handler(recorded, response);
      const url = new URL(recorded.url, 'http://x');
      const to = url.searchParams.get('to');
      if (url.pathname === '/redirect' && to) {
        response.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to });
        response.end('moved');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ internal: true, path: url.pathname }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (bound once, then released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = await startLoopbackServer(host);
  await server.close();
  return server.port;
}

/** `first` answering a redirect to `target`. */
export function redirectUrl(first: LoopbackServer, target: string, status = 302): string {
  return `${first.origin}/redirect?to=${encodeURIComponent(target)}&status=${status}`;
}
