// $app/environment for embed.js: always a browser, never a build or dev server.
export const browser = true;
export const dev = false;
export const building = false;
declare const __NRS_VERSION__: string;
/** the site build's version (vite.embed.config.ts), for the runtime files' ?v= */
export const version = __NRS_VERSION__;
