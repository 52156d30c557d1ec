import { create } from 'zustand';
import type { CorpusInfo, ModelInfo } from '../engine/protocol';

/** The user's own training text given to the engine in this page session (the bytes stay in the engine). */
export interface UserTextState {
  current: { name: string; bytes: number; info: CorpusInfo } | null;
  /**
   * The corpus the engine switched to after `model` was built (your text, or back to the
   * knowledge corpus): the model's own info still names the corpus it was built with.
   */
  switched: { info: CorpusInfo; model: ModelInfo } | null;
  set(current: UserTextState['current']): void;
  setSwitched(switched: UserTextState['switched']): void;
}

export const useUserTextStore = create<UserTextState>()((set) => ({
  current: null,
  switched: null,
  set(current) {
    set({ current });
  },
  setSwitched(switched) {
    set({ switched });
  },
}));

/** The corpus `model` trains on now: the latest switch made for this very model, else its own. */
export function trainingCorpus(model: ModelInfo, switched: UserTextState['switched']): CorpusInfo {
  return switched && switched.model === model ? switched.info : model.corpus;
}
