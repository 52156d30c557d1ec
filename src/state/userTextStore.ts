import { create } from 'zustand';
import type { CorpusInfo } from '../engine/protocol';

/** The user's own training text given to the engine in this page session (the bytes stay in the engine). */
export interface UserTextState {
  current: { name: string; bytes: number; info: CorpusInfo } | null;
  set(current: UserTextState['current']): void;
}

export const useUserTextStore = create<UserTextState>()((set) => ({
  current: null,
  set(current) {
    set({ current });
  },
}));
