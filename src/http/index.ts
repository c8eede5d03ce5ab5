export { errorBody, errorResponseSchema, standardErrorResponses, toSwitchboardError } from './errors.js';
export { redactUrl } from './logging.js';
export { presentedApiKey, principalOf } from './plugins/authenticate.js';
export { buildHttpServer, type HttpServerOptions } from './server.js';
