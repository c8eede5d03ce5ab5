export { type AuditLog, argumentsDigest, createAuditLog, type ExecutionLogView, executionLogSchema } from './audit.js';
export { callerErrorCodes, createExecutor, type ExecuteRequest, type ExecutionResult, type Executor, type ExecutorOptions } from './executor.js';
export { renderPath, renderTemplate } from './template.js';
