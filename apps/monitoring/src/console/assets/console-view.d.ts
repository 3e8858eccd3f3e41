/** Types of console-view.js, the page's pure helpers (plain JavaScript, served as is). */
export interface Feed {
  okAt?: number;
  error?: string;
  errorAt?: number;
}
export interface FeedStatus {
  state: 'live' | 'stale' | 'failing' | 'waiting';
  text: string;
  ageMs: number | null;
}
export function ago(iso: string | null | undefined, now: number): string;
export function feedStatus(feed: Feed, now: number, intervalMs: number): FeedStatus;
export function feedLine(name: string, status: FeedStatus): string;
export function percent(share: number | null | undefined): string;
export function num(value: number | null | undefined, digits?: number): string;
export function traceUrl(jaegerUrl: string | null, traceId: string): string | null;
export function failureText(status: number, body: unknown): string;
