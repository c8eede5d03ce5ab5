// Shared with the Backendless emulator.
export { type Fault, FaultQueue } from '../fault-queue.js';
