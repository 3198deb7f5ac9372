import { describe, expect, it } from 'vitest';
import { createGroupCommit, type Outcome } from './group-commit.js';

/** A flush whose groups are recorded and which finishes only when told to. */
function controlledFlush() {
  const groups: string[][] = [];
  const finish: (() => void)[] = [];
  const flush = (items: string[]): Promise<Outcome<string>[]> => {
    groups.push(items);
    return new Promise((resolve) => {
      finish.push(() =>
        resolve(
          items.map((item) =>
            item.startsWith('bad')
              ? { ok: false, error: new Error(`no ${item}`) }
              : { ok: true, value: item },
          ),
        ),
      );
    });
  };
  return { groups, finish, flush };
}

const settled = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message }),
  );

describe('group commit', () => {
  it('flushes a write that finds nothing under way at once, alone', async () => {
    const f = controlledFlush();
    const gc = createGroupCommit(f.flush);
    const a = gc.submit('a');
    // No tick has passed: the flush already has it.
    expect(f.groups).toEqual([['a']]);
    f.finish[0]!();
    expect(await a).toBe('a');
  });

  it('groups the writes that arrive while a flush is under way, in arrival order', async () => {
    const f = controlledFlush();
    const gc = createGroupCommit(f.flush);
    const a = gc.submit('a');
    const rest = ['b', 'c', 'd'].map((x) => gc.submit(x));
    expect(f.groups).toEqual([['a']]);
    expect(gc.load).toEqual({ queued: 3, flushing: true });
    f.finish[0]!();
    await a;
    expect(f.groups).toEqual([['a'], ['b', 'c', 'd']]);
    f.finish[1]!();
    expect(await Promise.all(rest)).toEqual(['b', 'c', 'd']);
    expect(gc.load).toEqual({ queued: 0, flushing: false });
  });

  it('fails a write alone when its outcome is an error', async () => {
    const f = controlledFlush();
    const gc = createGroupCommit(f.flush);
    const first = gc.submit('first');
    const group = ['b', 'bad-c', 'd'].map((x) => settled(gc.submit(x)));
    f.finish[0]!();
    await first;
    f.finish[1]!();
    expect(await Promise.all(group)).toEqual([{ value: 'b' }, { error: 'no bad-c' }, { value: 'd' }]);
  });

  it('fails every write of a group whose flush throws, and goes on with the next group', async () => {
    let calls = 0;
    const gc = createGroupCommit(async (items: string[]) => {
      calls++;
      if (calls === 2) throw new Error('transaction failed');
      await new Promise((r) => setTimeout(r, 1));
      return items.map((value) => ({ ok: true as const, value }));
    });
    const a = gc.submit('a');
    const b = settled(gc.submit('b'));
    const c = settled(gc.submit('c'));
    await a;
    expect(await Promise.all([b, c])).toEqual([
      { error: 'transaction failed' },
      { error: 'transaction failed' },
    ]);
    expect(await gc.submit('d')).toBe('d');
  });

  it('takes at most maxBatch writes per flush', async () => {
    const f = controlledFlush();
    const gc = createGroupCommit(f.flush, { maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((x) => gc.submit(x));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      f.finish[i]!();
    }
    expect(await Promise.all(all)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(f.groups).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('says when nothing is queued or being flushed any more', async () => {
    const f = controlledFlush();
    const gc = createGroupCommit(f.flush);
    await gc.idle();
    const written: string[] = [];
    for (const x of ['a', 'b']) void gc.submit(x).then((v) => written.push(v));
    let idle = false;
    const done = gc.idle().then(() => {
      idle = true;
    });
    f.finish[0]!();
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    f.finish[1]!();
    await done;
    expect(written).toEqual(['a', 'b']);
  });
});
