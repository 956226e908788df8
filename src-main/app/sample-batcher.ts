// Latency samples gathered per device and handed out in one batch per tick. At 16 devices x
// 20 Hz one IPC message per sample would be 320 messages a second, each waking the renderer;
// one batch per 100 ms is 10, and the charts redraw no faster than that anyway.
import type { Sample } from '../ipc/contract.ts';

export interface SampleBatch {
  address: string;
  samples: Sample[];
}

export class SampleBatcher {
  private pending = new Map<string, Sample[]>();

  add(address: string, sample: Sample): void {
    const list = this.pending.get(address);
    if (list) list.push(sample);
    else this.pending.set(address, [sample]);
  }

  /** What gathered since the last drain, in arrival order per device; empty when nothing did. */
  drain(): SampleBatch[] {
    if (this.pending.size === 0) return [];
    const out = [...this.pending].map(([address, samples]) => ({ address, samples }));
    this.pending = new Map();
    return out;
  }
}
