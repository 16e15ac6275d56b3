export { createMonitorPages } from './monitor-pages.tsx';
export { webAssetFiles, type AssetFile } from './assets.ts';
export type { WebEnv } from './page-session.ts';
export { monitorSecurityHeaders } from './security-headers.ts';
export { createSessionAuth, CSRF_HEADER, type SessionAuthEnv } from './session/session-auth.ts';
export { DEFAULT_SESSION_TTL_MS, type WebOptions } from './web-options.ts';
export { createWebServices, type WebServices } from './web-services.ts';
