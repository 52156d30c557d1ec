import type { ComponentType } from 'react';
import { figureHeadTools } from '../figures/FigureFrame';
import { ByoDataPanel } from './byoData/ByoDataPanel';
import { ByoMemoryPanel } from './byoMemory/ByoMemoryPanel';
import { ComparePanel } from './compare/ComparePanel';
import { ExportPanel } from './export/ExportPanel';
import { figureExportTools } from './export/FigureExportMenu';
import { GeneratePanel } from './generate/GeneratePanel';
import { SavedRunsPanel } from './savedRuns/SavedRunsPanel';

/**
 * Extension points of the lab. Each named slot has a place in the lab's layout; a slot with no
 * panel renders nothing. The lab-features work fills `LAB_PANELS` (one component per slot, from
 * src/app/lab/<feature>/), and the layout picks them up: no other file needs to change.
 *
 * - compare:   compare runs (loss curves and coverage of several runs)        → main column, after the figures
 * - byoData:   bring your own training text (CorpusSource 'user')             → sidebar, after the settings
 * - byoMemory: bring your own memory (importMemory: XLM safetensors + .npy)   → main column, own section
 * - savedRuns: saved runs in IndexedDB (saveCheckpoint / loadCheckpoint)      → sidebar
 * - export:    export checkpoints, the memory in XLM layout, figures, metrics → sidebar
 * - generate:  text generation from the model (generate command)             → main column, after the figures
 */
export type LabSlotName = 'compare' | 'byoData' | 'byoMemory' | 'savedRuns' | 'export' | 'generate';

export interface LabPanel {
  /** The card's heading. */
  title: string;
  component: ComponentType;
}

export const LAB_SLOT_ORDER: Record<'sidebar' | 'main', LabSlotName[]> = {
  sidebar: ['byoData', 'savedRuns', 'export'],
  main: ['generate', 'compare', 'byoMemory'],
};

/** Filled by the lab features; empty slots are simply not shown. */
export const LAB_PANELS: Partial<Record<LabSlotName, LabPanel>> = {
  compare: { title: 'Compare runs', component: ComparePanel },
  byoData: { title: 'Your own data', component: ByoDataPanel },
  byoMemory: { title: 'Your own memory', component: ByoMemoryPanel },
  savedRuns: { title: 'Saved runs', component: SavedRunsPanel },
  export: { title: 'Export', component: ExportPanel },
  generate: { title: 'Generate text', component: GeneratePanel },
};

// Every figure (lab and notebook) gets a PNG / SVG export button in its head.
figureHeadTools.render = figureExportTools;
