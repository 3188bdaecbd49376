// The shipped grid's cells by id, computed once from the shipped runs (for the essay's inline numbers).
import { gridCells } from './figures';
import { shipped } from './shipped';

export const shippedCells = new Map(gridCells(shipped.runs, shipped.seeds).map((c) => [c.cell, c]));
