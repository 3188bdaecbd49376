// Every page is prerendered to static HTML (adapter-static, no server). URL query state is read in
// the browser only, since prerendered pages are built without a query string.
export const prerender = true;
export const trailingSlash = 'never';
