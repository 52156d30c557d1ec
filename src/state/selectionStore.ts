import { create } from 'zustand';

/**
 * What the learner looks at: a text and one byte of it (traced through the memory), the memory
 * layer and head shown, and the slot opened in the slot inspector.
 */
export interface SelectionState {
  text: string;
  /** Byte offset in the UTF-8 text. */
  position: number;
  /** A block index of config.mem_layers, or null for the first memory layer. */
  layer: number | null;
  head: number;
  slot: number | null;
  setText(text: string, position?: number): void;
  setPosition(position: number): void;
  setLayer(layer: number | null): void;
  setHead(head: number): void;
  setSlot(slot: number | null): void;
}

const utf8 = new TextEncoder();

/** Clamps a byte offset into the text (0 for an empty text). */
export function clampPosition(text: string, position: number): number {
  const bytes = utf8.encode(text).length;
  return Math.max(0, Math.min(bytes - 1, Math.floor(position)));
}

/**
 * The selection's layer for a model with memory at `memLayers`: the picked one if it has memory
 * there, else null (the first memory layer). A layer restored from another config (the precomputed
 * run's, an old link) must not reach the engine, which refuses layers without memory.
 */
export function layerForModel(picked: number | null, memLayers: readonly number[]): number | null {
  return picked !== null && memLayers.includes(picked) ? picked : null;
}

/** Drops a selected layer that holds no memory in `memLayers` (the views then show the first memory layer). */
export function dropLayerWithoutMemory(memLayers: readonly number[]): void {
  const { layer, setLayer } = useSelectionStore.getState();
  if (layerForModel(layer, memLayers) !== layer) setLayer(null);
}

export const useSelectionStore = create<SelectionState>()((set, get) => ({
  text: '',
  position: 0,
  layer: null,
  head: 0,
  slot: null,
  setText(text, position = get().position) {
    set({ text, position: clampPosition(text, position) });
  },
  setPosition(position) {
    set({ position: clampPosition(get().text, position) });
  },
  setLayer(layer) {
    set({ layer });
  },
  setHead(head) {
    set({ head: Math.max(0, Math.floor(head)) });
  },
  setSlot(slot) {
    set({ slot });
  },
}));
