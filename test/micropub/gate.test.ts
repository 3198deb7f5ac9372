import { describe, expect, it } from 'vitest';
import { createGate, createWeightedGate } from '../../src/lib/gate.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('createGate', () => {
  it('runs at most `size` tasks at once, the rest in arrival order, and frees a slot on failure', async () => {
    const gate = createGate(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (n: number, fail = false) =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(n);
        await tick();
        running--;
        if (fail) throw new Error(`task ${n} failed`);
        return n;
      });
    const results = await Promise.allSettled([
      task(1, true),
      task(2),
      task(3),
      task(4, true),
      task(5),
      task(6),
    ]);
    expect(most).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.map((r) => r.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });
});

describe('createWeightedGate', () => {
  /** Runs tasks of these weights through a gate, recording the weight and count running at once. */
  async function runAll(
    gate: ReturnType<typeof createWeightedGate>,
    weights: number[],
  ): Promise<{ order: number[]; mostWeight: number; mostTasks: number }> {
    let weight = 0;
    let tasks = 0;
    let mostWeight = 0;
    let mostTasks = 0;
    const order: number[] = [];
    await Promise.all(
      weights.map((w, i) =>
        gate.run(w, async () => {
          weight += w;
          tasks++;
          mostWeight = Math.max(mostWeight, weight);
          mostTasks = Math.max(mostTasks, tasks);
          order.push(i);
          await tick();
          weight -= w;
          tasks--;
        }),
      ),
    );
    return { order, mostWeight, mostTasks };
  }

  it('lets light tasks share the capacity and keeps heavy ones within it, in arrival order', async () => {
    const gate = createWeightedGate(10);
    const run = await runAll(gate, [2, 2, 2, 2, 8, 1, 1]);
    expect(run.mostWeight).toBeLessThanOrEqual(10);
    expect(run.mostTasks).toBe(4);
    expect(run.order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(gate.load).toEqual({ active: 0, used: 0, waiting: 0 });
  });

  it('runs a task heavier than the capacity alone, and caps the number of tasks', async () => {
    const gate = createWeightedGate(10, { maxTasks: 3 });
    const heavy = await runAll(gate, [1, 50, 1]);
    expect(heavy.mostTasks).toBe(1);
    const light = await runAll(gate, [1, 1, 1, 1, 1, 1]);
    expect(light.mostTasks).toBe(3);
  });

  it('frees its share when a task fails', async () => {
    const gate = createWeightedGate(4);
    await expect(gate.run(4, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await gate.run(4, async () => 'next')).toBe('next');
    expect(gate.load).toEqual({ active: 0, used: 0, waiting: 0 });
  });
});
