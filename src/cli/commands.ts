/**
 * The command table. Adding a command = one file exporting a CliCommand plus one line here; the
 * file is imported only when its command runs, so `pkm --help` starts instantly.
 */
import type { CliCommand } from './command';

export interface CommandEntry {
  summary: string;
  load: () => Promise<CliCommand>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  train: {
    summary: 'train a model (default config, or --config) and write a checkpoint',
    load: async () => (await import('./train')).trainCommand,
  },
  eval: {
    summary: 'validation loss, perplexity, fact recall and memory metrics of a checkpoint',
    load: async () => (await import('./evaluate')).evalCommand,
  },
  generate: {
    summary: 'sample text from a checkpoint',
    load: async () => (await import('./generate')).generateCommand,
  },
  inspect: {
    summary: 'every intermediate of the memory lookup of one token (JSON)',
    load: async () => (await import('./inspect')).inspectCommand,
  },
  lookup: {
    summary:
      'read a memory (XLM, lucidrains or lingua layout) for input vectors: slots, scores, weights, output',
    load: async () => (await import('./lookup')).lookupCommand,
  },
  coverage: {
    summary: 'memory usage statistics (usage, KL, Gini, topP) over input vectors',
    load: async () => (await import('./coverage')).coverageCommand,
  },
  memories: {
    summary: 'list the memory modules in a safetensors file (layout, prefix, shapes)',
    load: async () => (await import('./memories')).memoriesCommand,
  },
  export: {
    summary: "write a checkpoint's memory as a PyTorch state_dict (xlm, lucidrains or lingua layout)",
    load: async () => (await import('./exportMemory')).exportCommand,
  },
  experiment: {
    summary: "reproduce one of the paper's findings at browser scale (list, report, or a name)",
    load: async () => (await import('./experiment')).experimentCommand,
  },
};
