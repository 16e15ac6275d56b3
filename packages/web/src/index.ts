export { createWebApp } from './app.tsx';
export { webAssetFiles, type AssetFile } from './assets.ts';
export type { WebEnv } from './page-session.ts';
export { createSessionAuth, CSRF_HEADER, type SessionAuthEnv } from './session/session-auth.ts';
export { DEFAULT_SESSION_TTL_MS, WEB_ENV, type WebOptions } from './web-options.ts';
export { createWebServices, type WebServices } from './web-services.ts';
export { loadSessionSecret } from './session/session-secret.ts';
