// $app/navigation for embed.js: a custom element never changes its host page's URL. (ParamState does
// not write the URL when its params come from attributes; this is only here so the import resolves.)
export function replaceState(): void {}
