export { createOutboundClient, type OutboundClient, refusalIn } from './client.js';
export { createOutboundPolicy, type OutboundPolicy } from './policy.js';
export { followRedirects, type Hop, maxRedirects } from './redirects.js';
