export { default as Heatmap } from './Heatmap.svelte';
export { default as LineChart } from './LineChart.svelte';
export { default as BarChart } from './BarChart.svelte';
export { default as DigitGrid } from './DigitGrid.svelte';
export { default as LayerStack } from './LayerStack.svelte';
export type { LineSeries, LinePoint, LineMarker } from './LineChart.svelte';
export type { BarGroup, BarValue } from './BarChart.svelte';
export * from './format';
