import { LeadershipListeners } from './leadership-listeners';

describe('LeadershipListeners', () => {
  const make = () => {
    const errors: string[] = [];
    const heard: string[] = [];
    const listeners = new LeadershipListeners((leader, error) =>
      errors.push(`${leader}:${error.message}`),
    );
    const listen = (name: string) => (leader: boolean) => void heard.push(`${name}:${leader}`);
    return { listeners, heard, errors, listen };
  };

  it('tells a part that subscribes after the lease was won that it leads', async () => {
    const { listeners, heard, listen } = make();
    await listeners.change(true);
    listeners.add(listen('late'));
    await listeners.change(false);
    expect(heard).toEqual(['late:true', 'late:false']);
  });

  it('tells a late part nothing while it follows', async () => {
    const { listeners, heard, listen } = make();
    await listeners.change(true);
    await listeners.change(false);
    listeners.add(listen('late'));
    await listeners.change(true);
    expect(heard).toEqual(['late:true']);
  });

  it('tells each part once when it subscribes while a change is still being applied', async () => {
    const { listeners, heard, listen } = make();
    let release!: () => void;
    const entered = new Promise<void>((inside) =>
      listeners.add((leader) =>
        leader ? new Promise<void>((resolve) => ((release = resolve), inside())) : undefined,
      ),
    );
    const started = listeners.change(true);
    await entered; // the first part is reacting: the change is under way
    listeners.add(listen('during'));
    release();
    await started;
    await listeners.change(false);
    expect(heard).toEqual(['during:true', 'during:false']);
  });

  it('applies changes in order, a slow stop before the next start, and survives a failing part', async () => {
    const { listeners, heard, errors, listen } = make();
    listeners.add(async (leader) => {
      if (!leader) await new Promise((resolve) => setTimeout(resolve, 20));
      heard.push(`slow:${leader}`);
    });
    listeners.add(() => {
      throw new Error('boom');
    });
    listeners.add(listen('fast'));
    void listeners.change(true);
    void listeners.change(false);
    await listeners.change(true);
    expect(heard).toEqual([
      'slow:true',
      'fast:true',
      'slow:false',
      'fast:false',
      'slow:true',
      'fast:true',
    ]);
    expect(errors).toEqual(['true:boom', 'false:boom', 'true:boom']);
  });
});
