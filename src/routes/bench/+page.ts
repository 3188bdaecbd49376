// The bench page runs only in the browser (it reads ?backend= and drives tfjs); prerender an empty shell.
export const prerender = true;
export const ssr = false;
