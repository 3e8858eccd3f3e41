import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';

// What the services export, read from their source, and what a PromQL expression asks of it: the
// alert rules and the dashboard may name only metrics and labels that exist. The scan reads the
// syntax tree, not text, so a metric named in a comment or a test does not count, and a metric
// declared in a way the scan does not understand fails it rather than going missing.

export const REPO_ROOT = join(__dirname, '..', '..');
// Test helpers are not deployed: whatever they register is never scraped.
const NOT_DEPLOYED = new Set(['libs/testing']);

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
const PROM_CLIENT_CLASSES: Record<string, MetricType> = {
  Counter: 'counter',
  Gauge: 'gauge',
  Histogram: 'histogram',
  Summary: 'summary',
};

export interface ExportedMetric {
  type: MetricType;
  labels: string[];
  definedIn: string;
}

/** A function that declares a metric from its arguments, like service-kit's `counter()`. */
interface MetricHelper {
  type: MetricType;
  nameArg: number;
  labels: string[] | { arg: number };
  file: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|int-spec|d)\.ts$/.test(entry.name) ? [path] : [];
  });
}

function deployedSources(): ts.SourceFile[] {
  const projects = ['apps', 'libs'].flatMap((root) =>
    readdirSync(join(REPO_ROOT, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${root}/${entry.name}`),
  );
  return projects
    .filter((project) => !NOT_DEPLOYED.has(project) && existsSync(join(REPO_ROOT, project, 'src')))
    .flatMap((project) => tsFiles(join(REPO_ROOT, project, 'src')))
    .map((path) =>
      ts.createSourceFile(
        relative(REPO_ROOT, path),
        readFileSync(path, 'utf8'),
        ts.ScriptTarget.Latest,
        true,
      ),
    );
}

const where = (node: ts.Node) => {
  const file = node.getSourceFile();
  return `${file.fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
};

function visit(node: ts.Node, each: (n: ts.Node) => void): void {
  each(node);
  ts.forEachChild(node, (child) => visit(child, each));
}

/** The names a file imports, and which of them are prom-client's metric classes. */
function imports(file: ts.SourceFile) {
  const names = new Set<string>();
  const classes = new Map<string, MetricType>();
  for (const statement of file.statements) {
    const bindings = ts.isImportDeclaration(statement) && statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    const fromPromClient = (statement.moduleSpecifier as ts.StringLiteral).text === 'prom-client';
    for (const spec of bindings.elements) {
      names.add(spec.name.text);
      const type = PROM_CLIENT_CLASSES[(spec.propertyName ?? spec.name).text];
      if (fromPromClient && type) classes.set(spec.name.text, type);
    }
  }
  return { names, classes };
}

function property(options: ts.ObjectLiteralExpression, key: string) {
  return options.properties.find(
    (p): p is ts.PropertyAssignment | ts.ShorthandPropertyAssignment =>
      (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) &&
      p.name.getText() === key,
  );
}

const valueOf = (p: ts.PropertyAssignment | ts.ShorthandPropertyAssignment) =>
  ts.isPropertyAssignment(p) ? p.initializer : p.name;

function stringArray(node: ts.Node | undefined): string[] | undefined {
  if (!node || !ts.isArrayLiteralExpression(node)) return undefined;
  const items = node.elements.map((e) => (ts.isStringLiteralLike(e) ? e.text : undefined));
  return items.every((i) => i !== undefined) ? (items as string[]) : undefined;
}

/** The named function a `new Gauge({ name })` is declared in. */
function enclosingFunction(node: ts.Node) {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isFunctionDeclaration(n) && n.name) return { fn: n, name: n.name.text };
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent))
      return { fn: n, name: n.parent.name.getText() };
  }
  return undefined;
}

const paramIndex = (fn: ts.SignatureDeclaration, name: string) =>
  fn.parameters.findIndex((p) => p.name.getText() === name);

/** Every metric the deployed code declares, by name. */
export function exportedMetrics(): Map<string, ExportedMetric> {
  const files = deployedSources();
  const metrics = new Map<string, ExportedMetric>();
  const helpers = new Map<string, MetricHelper[]>();
  const add = (name: string, metric: ExportedMetric, at: ts.Node) => {
    const known = metrics.get(name);
    if (known && known.type !== metric.type)
      throw new Error(`${name} is a ${known.type} and a ${metric.type} (${where(at)})`);
    const labels = [...new Set([...(known?.labels ?? []), ...metric.labels])].sort();
    metrics.set(name, { ...metric, labels });
  };
  const unreadable = (what: string, at: ts.Node) => new Error(`${what} at ${where(at)}`);

  // First prom-client's constructors: a literal name is a metric, a parameter makes a helper.
  for (const file of files) {
    const { classes } = imports(file);
    visit(file, (node) => {
      if (!ts.isNewExpression(node) || !ts.isIdentifier(node.expression)) return;
      const type = classes.get(node.expression.text);
      if (!type) return;
      const options = node.arguments?.[0];
      if (!options || !ts.isObjectLiteralExpression(options))
        throw unreadable(`a ${type} without options the scan can read`, node);
      const name = property(options, 'name');
      const labelNames = property(options, 'labelNames');
      if (name && ts.isStringLiteralLike(valueOf(name))) {
        const labels = labelNames ? stringArray(valueOf(labelNames)) : [];
        if (!labels) throw unreadable('labelNames the scan cannot read', node);
        add(
          (valueOf(name) as ts.StringLiteral).text,
          { type, labels, definedIn: file.fileName },
          node,
        );
        return;
      }
      const helper = enclosingFunction(node);
      const nameArg = name && helper ? paramIndex(helper.fn, valueOf(name).getText()) : -1;
      if (!helper || nameArg < 0)
        throw unreadable(`a ${type} named neither by a literal nor by a parameter`, node);
      const fixed = labelNames ? stringArray(valueOf(labelNames)) : [];
      const labelsArg = labelNames ? paramIndex(helper.fn, valueOf(labelNames).getText()) : -1;
      if (!fixed && labelsArg < 0) throw unreadable('labelNames the scan cannot read', node);
      const declared = { type, nameArg, labels: fixed ?? { arg: labelsArg }, file: file.fileName };
      helpers.set(helper.name, [...(helpers.get(helper.name) ?? []), declared]);
    });
  }

  // Then each call of a helper: one declared in the same file, or one the file imports by name.
  for (const file of files) {
    const { names } = imports(file);
    visit(file, (node) => {
      if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression)) return;
      const callee = node.expression.text;
      const local = (helpers.get(callee) ?? []).filter((h) => h.file === file.fileName);
      const candidates = local.length > 0 ? local : names.has(callee) ? helpers.get(callee) : [];
      if (!candidates || candidates.length === 0) return;
      if (candidates.length > 1) throw unreadable(`${callee}() declared more than once`, node);
      const { type, nameArg, labels } = candidates[0];
      const name = node.arguments[nameArg];
      if (!name || !ts.isStringLiteralLike(name))
        throw unreadable(`${callee}() with a name that is not a literal`, node);
      const labelsGiven = Array.isArray(labels) ? labels : node.arguments[labels.arg];
      const labelNames = Array.isArray(labelsGiven) ? labelsGiven : stringArray(labelsGiven);
      if (labelsGiven && !labelNames) throw unreadable('labelNames the scan cannot read', node);
      add(name.text, { type, labels: labelNames ?? [], definedIn: file.fileName }, node);
    });
  }
  return metrics;
}

/** The series Prometheus scrapes for each metric, with their labels: a histogram's are three. */
export function exportedSeries(metrics = exportedMetrics()): Map<string, string[]> {
  const series = new Map<string, string[]>();
  for (const [name, { type, labels }] of metrics) {
    if (type === 'histogram') series.set(`${name}_bucket`, [...labels, 'le']);
    if (type === 'summary') series.set(name, [...labels, 'quantile']);
    if (type === 'histogram' || type === 'summary') {
      series.set(`${name}_sum`, labels);
      series.set(`${name}_count`, labels);
    } else series.set(name, labels);
  }
  return series;
}

/** The labels Prometheus adds to every Keelson series: `job`, `instance` and the scrape job's own. */
export function scrapeTargetLabels(): string[] {
  const config = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
  const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'keelson');
  const relabelled = (job.relabel_configs as Array<{ target_label?: string }>)
    .map((r) => r.target_label)
    .filter((label): label is string => label !== undefined && !label.startsWith('__'));
  return ['job', 'instance', ...relabelled];
}

export interface PromqlReferences {
  /** Each series selector: its metric name (absent in `{__name__=...}`) and matched labels. */
  selectors: Array<{ metric?: string; labels: string[] }>;
  /** Labels named in `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`. */
  grouping: string[];
}

const TOKEN =
  /\s+|#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)?|[a-zA-Z_:][\w:]*|=~|!~|!=|==|>=|<=|[{}()[\],:=<>+\-*/%^@]/y;
const IDENTIFIER = /^[a-zA-Z_:][\w:]*$/;
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
// Aggregations may put `by (...)` between their name and their parenthesis.
const AGGREGATIONS = new Set(
  'sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio'.split(
    ' ',
  ),
);

function tokens(expr: string): string[] {
  // Grafana's variables ($__rate_interval, ${model}) stand for durations or sit inside strings.
  const text = expr.replace(/\$\{[^}]*\}|\$\w+/g, '5m');
  const out: string[] = [];
  for (let at = 0; at < text.length;) {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`cannot read PromQL at "${text.slice(at, at + 20)}" in: ${expr}`);
    if (!/^(\s|#)/.test(match[0])) out.push(match[0]);
    at = TOKEN.lastIndex;
  }
  return out;
}

/** The metrics and labels a PromQL expression names (a tokenizer, not a full parser). */
export function promqlReferences(expr: string): PromqlReferences {
  const t = tokens(expr);
  const refs: PromqlReferences = { selectors: [], grouping: [] };
  const until = (from: number, close: string) => {
    const end = t.indexOf(close, from);
    if (end < 0) throw new Error(`unclosed "${t[from]}" in: ${expr}`);
    return end;
  };
  const matchers = (open: number) => {
    const end = until(open, '}');
    // Each matcher is label, operator, string, then a comma.
    const labels = t
      .slice(open + 1, end)
      .filter((tok, i, all) => IDENTIFIER.test(tok) && /^[=!]/.test(all[i + 1] ?? ''));
    return { labels, end };
  };
  for (let i = 0; i < t.length; i++) {
    const tok = t[i];
    if (tok === '[')
      i = until(i, ']'); // a range or subquery: durations only
    else if (tok === '{') {
      const { labels, end } = matchers(i);
      refs.selectors.push({ labels });
      i = end;
    } else if (IDENTIFIER.test(tok)) {
      const word = tok.toLowerCase();
      if (GROUPING.has(word)) {
        if (t[i + 1] !== '(') continue;
        const end = until(i, ')');
        refs.grouping.push(...t.slice(i + 2, end).filter((x) => IDENTIFIER.test(x)));
        i = end;
      } else if (KEYWORDS.has(word) || AGGREGATIONS.has(tok) || t[i + 1] === '(') {
        continue; // an operator, an aggregation or a function
      } else if (t[i + 1] === '{') {
        const { labels, end } = matchers(i + 1);
        refs.selectors.push({ metric: tok, labels });
        i = end;
      } else refs.selectors.push({ metric: tok, labels: [] });
    }
  }
  return refs;
}

/**
 * What an expression names that does not exist: metrics nobody exports, labels a metric lacks,
 * grouping labels (and `used`: labels a legend or an annotation prints) none of its metrics has.
 * `known` is every series with its labels, Prometheus's own (`up`) and recording rules included.
 */
export function unknownReferences(
  expr: string,
  known: Map<string, string[]>,
  targetLabels: string[],
  used: string[] = [],
): string[] {
  const { selectors, grouping } = promqlReferences(expr);
  const problems: string[] = [];
  if (!selectors.some((s) => s.metric)) problems.push(`no metric at all in: ${expr}`);
  const available = new Set(targetLabels);
  for (const { metric, labels } of selectors) {
    const has = metric === undefined ? undefined : known.get(metric);
    if (metric !== undefined && !has) problems.push(`${metric} is not exported`);
    for (const label of has ?? []) available.add(label);
    for (const label of labels)
      if (label !== '__name__' && has && !has.includes(label) && !targetLabels.includes(label))
        problems.push(`${metric} has no label ${label}`);
  }
  // An unknown metric's labels are unknown too: its name is the one problem to report.
  if (problems.length > 0) return problems;
  for (const label of [...grouping, ...used])
    if (!available.has(label)) problems.push(`no metric in the expression has label ${label}`);
  return problems;
}
