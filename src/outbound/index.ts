export { createOutboundClient, type OutboundClient } from './client.js';
export { createOutboundPolicy, type OutboundPolicy } from './policy.js';
