/**
 * Publish (B.5): `POST /messaging/{channel}` → `{status, messageId}`. The status is "scheduled" when `publishAt` is in
 * the future or `repeatEvery` is set, otherwise "published". Messages are recorded in `state.messages`.
 * `GET /messaging/{messageId}` reports `{messageId, status, errorMessage}`; `DELETE` cancels a scheduled message.
 */
import { missingField, resourceNotFound } from '../errors.js';
import { isPlainObject, json, objectBody, optionalNumber, type Reply } from '../http.js';
import type { Route, RouteContext } from '../router.js';
import { newId, type PublishedMessage } from '../state.js';

const CHANNEL = /^[A-Za-z0-9_-]{1,100}$/;

function publish(ctx: RouteContext): Reply {
  const channel = ctx.params.channel!;
  if (!CHANNEL.test(channel)) throw missingField(`Invalid channel name '${channel}'.`);
  const body = objectBody(ctx.body);
  if (!('message' in body) || body.message === null) throw missingField("Missing required field 'message'.");
  if (body.headers !== undefined && body.headers !== null && !isPlainObject(body.headers)) throw missingField("Field 'headers' must be an object.");
  if (body.publisherId !== undefined && body.publisherId !== null && typeof body.publisherId !== 'string')
    throw missingField("Field 'publisherId' must be a string.");
  const publishAt = optionalNumber(body, 'publishAt') ?? null;
  const repeatEvery = optionalNumber(body, 'repeatEvery') ?? null;
  const repeatExpiresAt = optionalNumber(body, 'repeatExpiresAt') ?? null;
  if (repeatEvery !== null && (!Number.isInteger(repeatEvery) || repeatEvery < 1))
    throw missingField("Field 'repeatEvery' must be a positive number of seconds.");
  const now = ctx.state.now();
  const message: PublishedMessage = {
    messageId: `message:${newId()}`,
    channel,
    message: body.message,
    headers: isPlainObject(body.headers) ? body.headers : null,
    publisherId: typeof body.publisherId === 'string' ? body.publisherId : null,
    publishAt,
    repeatEvery,
    repeatExpiresAt,
    status: (publishAt !== null && publishAt > now) || repeatEvery !== null ? 'scheduled' : 'published',
    userId: ctx.session?.userId ?? null,
    at: now,
  };
  ctx.state.messages.push(message);
  return json({ status: message.status, messageId: message.messageId });
}

function messageOf(ctx: RouteContext): PublishedMessage {
  const message = ctx.state.messages.find((candidate) => candidate.messageId === ctx.params.messageId);
  if (!message) throw resourceNotFound(`message ${ctx.params.messageId}`);
  return message;
}

function cancel(ctx: RouteContext): Reply {
  const message = messageOf(ctx);
  if (message.status !== 'scheduled') throw missingField(`Message ${message.messageId} is ${message.status}; only scheduled messages can be cancelled.`);
  message.status = 'cancelled';
  return json({ messageId: message.messageId, status: message.status });
}

export const messagingRoutes: Route[] = [
  { method: 'POST', pattern: '/messaging/:channel', handler: publish },
  {
    method: 'GET',
    pattern: '/messaging/:messageId',
    handler: (ctx) => {
      const message = messageOf(ctx);
      return json({ messageId: message.messageId, status: message.status, errorMessage: null });
    },
  },
  { method: 'DELETE', pattern: '/messaging/:messageId', handler: cancel },
];
