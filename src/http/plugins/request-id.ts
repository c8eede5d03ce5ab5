import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';
import { randomBase62 } from '../../ids.js';

const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a caller's `x-request-id` when it is sane, otherwise makes one (`req_…`). */
export function generateRequestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && acceptableId.test(incoming)) return incoming;
  return `req_${randomBase62(16)}`;
}

export const requestIdPlugin = fp(
  async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
  },
  { name: 'switchboard-request-id' },
);
