// Barrel for the shared UI controls.
export { default as BackendBadge } from './BackendBadge.svelte';
export { default as CopyLinkButton } from './CopyLinkButton.svelte';
export { default as NumberField } from './NumberField.svelte';
export { default as ParamControls } from './ParamControls.svelte';
export { default as ParamNotes } from './ParamNotes.svelte';
export { default as PlayControls } from './PlayControls.svelte';
export { default as ProgressBar } from './ProgressBar.svelte';
export { default as ResultsTable } from './ResultsTable.svelte';
export { default as Segmented } from './Segmented.svelte';
export { default as Slider } from './Slider.svelte';
export { default as Swatch } from './Swatch.svelte';
export { default as Toggle } from './Toggle.svelte';
export { formatNumber, roundSig } from './format';
export { default as WidgetHeader } from './WidgetHeader.svelte';
export { default as WidgetFooter } from './WidgetFooter.svelte';

export { default as ExportMenu } from './ExportMenu.svelte';
export { default as LiveSummary } from './LiveSummary.svelte';
export type { WidgetResults } from './export';
