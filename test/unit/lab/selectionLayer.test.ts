import { afterEach, describe, expect, test, vi } from 'vitest';
import type { EngineConnection } from '../../../src/app/engineConnection';
import { useConfigStore } from '../../../src/state/configStore';
import { useEngineStore } from '../../../src/state/engineStore';
import { useRunDataStore } from '../../../src/state/runDataStore';
import { layerForModel, useSelectionStore } from '../../../src/state/selectionStore';
import { startEngine, TINY_CONFIG } from './engineHarness';

let engine: EngineConnection | null = null;
afterEach(() => {
  engine?.dispose();
  engine = null;
  vi.restoreAllMocks();
});

describe('the selected memory layer follows the config', () => {
  test('layerForModel keeps a layer with memory and drops any other', () => {
    expect(layerForModel(2, [2])).toBe(2);
    expect(layerForModel(2, [1])).toBeNull();
    expect(layerForModel(null, [1])).toBeNull();
    expect(layerForModel(0, [])).toBeNull();
  });

  test('a layer kept from another model (the precomputed run’s 2) falls back to the first memory layer', async () => {
    const warn = vi.spyOn(console, 'warn');
    // As the app starts on a lab link with memory at layer 1 while the selection holds layer 2.
    useSelectionStore.setState({ text: 'Kavo lives in Oslo.', position: 4, layer: 2 });
    useEngineStore.setState({ problem: null, model: null });
    engine = await startEngine({ ...TINY_CONFIG, layers: 2, mem_layers: [1] });
    expect(useSelectionStore.getState().layer).toBeNull();
    await vi.waitFor(() => expect(useRunDataStore.getState().data.trace?.layers[0].layer).toBe(1), {
      timeout: 20_000,
    });
    expect(useEngineStore.getState().problem).toBeNull();
    expect(warn.mock.calls.flat().join(' ')).not.toMatch(/has no memory/);

    // A layer picked on this model is dropped as soon as a config moves the memory elsewhere.
    useSelectionStore.getState().setLayer(1);
    useConfigStore.getState().update({ mem_layers: [0] });
    expect(useSelectionStore.getState().layer).toBeNull();
    useConfigStore.getState().update({ layers: 3, mem_layers: [0, 1] });
    useSelectionStore.getState().setLayer(1);
    useConfigStore.getState().update({ mem_layers: [1, 2] });
    expect(useSelectionStore.getState().layer).toBe(1);
  }, 60_000);
});
