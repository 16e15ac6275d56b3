import { fileURLToPath } from 'node:url';

/** The repository root: handler entries in the spec, and package-lock.json, are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
