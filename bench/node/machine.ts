import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { MachineInfo } from '../lib/result';

/** The machine a Node run measures on. */
export function nodeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.arch()}`,
    runtime: `node ${process.version}`,
    tfjs: tf.version_core,
  };
}

/** A short file-name-safe label of a machine: "amd-epyc-2c", plus the GPU when there is one. */
export function machineSlug(m: MachineInfo): string {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/\(r\)|\(tm\)|processor|cpu|@.*$/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 32)
      .replace(/-$/, '');
  const cpu = `${slug(m.cpu) || 'cpu'}-${m.cores}c`;
  if (!m.gpu) return cpu;
  return `${cpu}_${slug(m.gpu.name) || 'gpu'}`;
}

/** Load averages, rounded: what else kept the machine busy. */
export function loadAverages(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/** A note when other work shared the CPU during a run. */
export function loadNote(load: { start: number[]; end: number[] }, cores: number): string | null {
  const busiest = Math.max(load.start[0], load.end[0], load.end[1]);
  if (busiest <= cores * 0.5) return null;
  return `The machine was busy with other work (load average up to ${busiest} on ${cores} cores): absolute times are inflated; ratios come from interleaved repetitions but are noisier.`;
}
