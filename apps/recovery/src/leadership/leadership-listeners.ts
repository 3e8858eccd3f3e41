export type LeadershipListener = (leader: boolean) => void | Promise<void>;

/**
 * Tells the parts that act when this replica becomes the leader or stops being it, one change
 * after another (stopping finishes before a later start). A part that subscribes after the
 * replica already took the lease hears `true` at once, in order with later changes: Nest starts
 * a module's providers concurrently, so the lease can be won before a slower part (one that
 * first opens its KV watches) has subscribed, and that part must not wait for a change that
 * never comes.
 */
export class LeadershipListeners {
  private readonly listeners: LeadershipListener[] = [];
  private leader = false;
  private changing: Promise<void> = Promise.resolve();

  constructor(private readonly failed: (leader: boolean, error: Error) => void) {}

  add(listener: LeadershipListener): void {
    this.listeners.push(listener);
    if (this.leader) this.enqueue([listener], true);
  }

  /** Tells every listener subscribed by now; resolves once they have all reacted. */
  change(leader: boolean): Promise<void> {
    this.leader = leader;
    return this.enqueue([...this.listeners], leader);
  }

  private enqueue(listeners: LeadershipListener[], leader: boolean): Promise<void> {
    this.changing = this.changing.then(async () => {
      for (const listener of listeners) {
        try {
          await listener(leader);
        } catch (error) {
          this.failed(leader, error as Error);
        }
      }
    });
    return this.changing;
  }
}
