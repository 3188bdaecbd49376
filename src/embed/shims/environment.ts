// $app/environment for embed.js: always a browser, never a build or dev server.
export const browser = true;
export const dev = false;
export const building = false;
export const version = 'embed';
