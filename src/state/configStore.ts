import { create } from 'zustand';
import { DEFAULT_CONFIG, type ModelConfig, validateConfig } from '../model/config';
import { configFromHash, configToHash } from './urlConfig';

export interface ConfigState {
  /** The config the next run (or reset) uses: always valid. */
  config: ModelConfig;
  /** Messages about values that were refused (from the URL or a form), newest last. */
  problems: string[];
  /**
   * Changes some fields; the change is applied only if the result is valid. Returns the error
   * messages otherwise (and records them as problems).
   */
  update(patch: Partial<ModelConfig>): string[];
  /** Replaces the config with one read from a URL hash (bad values reported, defaults kept). */
  loadHash(hash: string, appKeys?: readonly string[]): Record<string, string>;
  dismissProblems(): void;
}

export const useConfigStore = create<ConfigState>()((set, get) => ({
  config: { ...DEFAULT_CONFIG, mem_layers: [...DEFAULT_CONFIG.mem_layers] },
  problems: [],
  update(patch) {
    const result = validateConfig(patch as Record<string, unknown>, get().config);
    if (result.ok) {
      set({ config: result.config });
      return [];
    }
    const messages = [
      ...result.errors.map((e) => e.message),
      ...result.unknown.map((k) => `unknown setting "${k}"`),
    ];
    set({ problems: [...get().problems, ...messages] });
    return messages;
  },
  loadHash(hash, appKeys = []) {
    const reading = configFromHash(hash, appKeys);
    set({ config: reading.config, problems: reading.problems });
    return reading.extras;
  },
  dismissProblems() {
    set({ problems: [] });
  },
}));

/** The hash for the current config (plus app keys such as the page). */
export function currentHash(extras: Record<string, string> = {}): string {
  return configToHash(useConfigStore.getState().config, extras);
}
