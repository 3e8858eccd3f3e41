import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import {
  ConsumerRunner,
  DeadLetterPublisher,
  EventPublisher,
  openPayloadStore,
  provision,
  TerminalError,
} from '@keelson/messaging';
import { CATALOGUE, defineEvent, type CloudEvent } from '@keelson/schemas';
import { testStream, waitFor } from '@keelson/testing';
import { servingPool, type ServingPool } from './support/serving-pool';

const root = join(__dirname, '../..');
const JAEGER = 'http://jaeger.test:16686';
const LETTERS = 20;
/** Set to a directory (e.g. docs/images) to have the test write the console's screenshots there. */
const SHOTS = process.env.KEELSON_CONSOLE_SCREENSHOTS;
/** The few DOM properties the test reads inside the page (the e2e project has no DOM types). */
type Dom = {
  dataset: Record<string, string | undefined>;
  hidden: boolean;
  href: string;
  value: number;
  innerText: string;
  offsetParent: unknown;
};

/**
 * The operator console in a real headless Chromium (Debian's, through puppeteer-core) against the
 * real compiled services: three prediction nodes under load through a gateway, monitoring serving
 * the page, recovery acting. The page must show the pool active, then a SIGKILLed node ejected;
 * then dead letters of a failing consumer, a replay started with the page's button, and the task
 * finished. Every wait is on the page's DOM with a deadline.
 */
describe('the operator console in a browser', () => {
  let pool: ServingPool;
  let load: ReturnType<ServingPool['load']>;
  let browser: Browser;
  let page: Page;
  let runner: ConsumerRunner | undefined;
  const requested: string[] = [];
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const { stream, consumer, prefix } = testStream({ maxDeliver: 1 });

  beforeAll(async () => {
    pool = await servingPool({
      nodes: 3,
      recovery: true,
      monitoringEnv: { MONITORING_JAEGER_URL: JAEGER },
    });
    load = await pool.underLoad(4);
    const executablePath = execFileSync(join(root, 'tools/test/ensure-chromium.sh'), {
      encoding: 'utf8',
    }).trim();
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
  }, 300_000);

  afterAll(async () => {
    await runner?.stop();
    await browser?.close();
    await load?.stop();
    await pool?.messaging.jsm.streams.delete(stream.name).catch(() => undefined);
    await pool?.close();
  });

  /** Each row of a table as the page shows it: its data attributes. */
  const rows = (selector: string) =>
    page.$$eval(selector, (trs) => trs.map((tr) => ({ ...(tr as unknown as Dom).dataset })));
  const shoot = async (name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  it('asks for a key once, then shows the pool active, live', async () => {
    await page.goto(`${pool.monitoringUrl}/console`);
    await page.waitForSelector('#key-input', { visible: true });
    await page.type('#key-input', pool.key);
    await page.click('#key-form button[type=submit]');
    await waitFor(
      'the three nodes active and healthy on the page',
      async () => {
        const mine = (await rows('#pool tr[data-node]')).filter((r) =>
          r.node?.startsWith(pool.prefix),
        );
        return (
          mine.length === 3 && mine.every((r) => r.routing === 'active' && r.health === 'healthy')
        );
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(
      await page.$eval('[data-feed="overview"]', (e) => (e as unknown as Dom).dataset.state),
    ).toBe('live');
    // The key stays in the tab: a reload goes straight to the console.
    await page.reload();
    await page.waitForSelector('#pool tr[data-node]');
    // Not merely marked hidden: not displayed (a style rule could override the attribute).
    expect(await page.$eval('#key-form', (e) => (e as unknown as Dom).offsetParent)).toBeNull();
    await shoot('console-pool');
  }, 60_000);

  it('shows a SIGKILLed node ejected, with the alert firing', async () => {
    const victim = pool.nodes[0];
    const killedAt = Date.now();
    await victim.process.kill('SIGKILL');
    await waitFor(
      `${victim.nodeId} ejected on the page`,
      async () =>
        (await rows('#pool tr[data-node]')).find(
          (r) => r.node === victim.nodeId && r.routing === 'ejected',
        ),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    process.stdout.write(`console e2e: ejection shown after ${Date.now() - killedAt} ms\n`);
    await waitFor(
      'its node.unhealthy alert among the firing ones',
      async () =>
        page.$$eval(
          '#firing tr[data-alert]',
          (trs, id) => trs.some((tr) => tr.textContent?.includes(id as string)),
          victim.nodeId,
        ),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    await shoot('console-ejected');
  }, 60_000);

  it('shows dead letters with their traces, and replays them from the button to the end', async () => {
    const { messaging } = pool;
    await provision(messaging.nc, messaging.jsm, {
      streams: [stream],
      consumers: [consumer],
      objectStores: CATALOGUE.objectStores,
    });
    const Order = defineEvent({
      type: 'keelson.test.order',
      subject: `${prefix}.*`,
      stream: stream.name,
      description: 'console e2e event',
      data: Type.Object({ n: Type.Integer() }, { additionalProperties: false }),
    });
    const publisher = new EventPublisher(messaging.js, 'console-e2e');
    const deadLetters = new DeadLetterPublisher(publisher, await openPayloadStore(messaging));
    const handled = new Set<number>();
    let failing = true;
    runner = new ConsumerRunner({
      js: messaging.js,
      consumer,
      deadLetters,
      handlers: [
        {
          subject: `${prefix}.*`,
          event: Order,
          handle: async (event) => {
            const { n } = (event as unknown as CloudEvent<{ n: number }>).data;
            if (failing) throw new TerminalError(`order ${n} names a customer that does not exist`);
            handled.add(n);
          },
        },
      ],
    });
    await runner.start();
    const traceIds = Array.from(
      { length: LETTERS },
      (_, n) => `${(n + 1).toString(16).padStart(8, '0')}${'c'.repeat(24)}`,
    );
    await Promise.all(
      traceIds.map((traceId, n) =>
        publisher.publish(
          Order,
          { n },
          { subject: 'orders', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
        ),
      ),
    );

    const groupId = await waitFor(
      'the group on the page with every letter waiting',
      async () =>
        (await rows('#groups button[data-replay]')).find(
          (b) => b.replay?.startsWith(`${stream.name}.`) && b.count === String(LETTERS),
        )?.replay,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const links = await page.$$eval(`#groups tr[data-group="${groupId}"] a.trace`, (as) =>
      as.map((a) => (a as unknown as Dom).href),
    );
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(traceIds.map((id) => `${JAEGER}/trace/${id}`)).toContain(link);
    await shoot('console-dlq');

    failing = false; // the bug is fixed: a replay must now go through
    await page.click(`#groups button[data-replay="${groupId}"]`);
    const task = await waitFor(
      'the replay task completed on the page',
      async () =>
        (await rows('#tasks tr[data-task]')).find(
          (t) => t.target === groupId && t.state === 'completed',
        ),
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch(async (error: Error) => {
      const shown = await page.$eval('#console', (e) => (e as unknown as Dom).innerText);
      throw new Error(`${error.message}\ndialogs: ${dialogs.join(' | ')}\npage:\n${shown}`);
    });
    expect(
      await page.$eval(`#tasks tr[data-task="${task.task}"] progress`, (p) =>
        Number((p as unknown as Dom).value),
      ),
    ).toBe(1);
    await waitFor('every replayed order handled', () => handled.size === LETTERS, {
      timeoutMs: 30_000,
    });
    await waitFor(
      'the group with nothing left waiting',
      async () =>
        (await rows('#groups button[data-replay]')).find(
          (b) => b.replay === groupId && b.count === '0',
        ),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await shoot('console-replayed');
  }, 150_000);

  it('loaded nothing from anywhere but monitoring, and raised no script error', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(`${pool.monitoringUrl}/`))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
