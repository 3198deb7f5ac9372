import { describe, expect, it } from 'vitest';
import { createGate } from '../../src/http/gate.js';

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
