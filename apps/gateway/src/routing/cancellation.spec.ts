import { Cancellation } from './cancellation';

describe('an attempt cancellation', () => {
  it('runs the listeners still added, once, in order, and stays aborted', () => {
    const cancel = new Cancellation();
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    cancel.addEventListener('abort', () => heard.push('first'));
    cancel.addEventListener('abort', removed);
    cancel.addEventListener('abort', () => heard.push('second'));
    cancel.removeEventListener('abort', removed);
    expect(cancel.aborted).toBe(false);
    cancel.abort();
    cancel.abort();
    expect([cancel.aborted, heard]).toEqual([true, ['first', 'second']]);
  });
});
