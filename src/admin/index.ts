// Public surface of admin.
export { createMetrics, type Metrics } from './metrics.ts';
export { type AdminDeps, adminHandler, createAdminServer } from './server.ts';
