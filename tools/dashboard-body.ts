/**
 * The broker's dashboard as CloudFormation will create it, read back from a synthesized
 * template: its `DashboardBody` (a `Fn::Join` of text and references) rendered to JSON,
 * each alarm reference replaced by that alarm's `AlarmName` and any other reference shown
 * as `<LogicalId>` / `<LogicalId.Attribute>`; and a plain-text summary of it (widgets,
 * grid positions, series, statistics, periods, axes, annotations), what a reviewer without
 * an AWS account reads instead of the console. Used by tools/render-dashboard.ts and its test.
 */

/** A synthesized CloudFormation template (the parts read here). */
export interface CfnTemplate {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: Record<string, unknown> }
  >;
}

/** One widget of a dashboard body (CloudWatch's dashboard body structure). */
export interface DashboardWidget {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title?: string;
    readonly view?: string;
    readonly metrics?: readonly (readonly unknown[])[];
    readonly alarms?: readonly string[];
    readonly annotations?: { readonly horizontal?: readonly { value: number; label?: string }[] };
    readonly yAxis?: Record<string, { min?: number; max?: number; label?: string }>;
    readonly period?: number;
    readonly markdown?: string;
  };
}

/** A dashboard as CloudFormation creates it. */
export interface RenderedDashboard {
  readonly logicalId: string;
  readonly name: string;
  readonly widgets: readonly DashboardWidget[];
}

/** Every dashboard of `template`, its body rendered (see the module comment). */
export function renderedDashboards(template: CfnTemplate): RenderedDashboard[] {
  const alarmNames = new Map<string, string>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const name = resource.Properties?.AlarmName;
    if (resource.Type === 'AWS::CloudWatch::Alarm' && typeof name === 'string') alarmNames.set(id, name);
  }
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Dashboard')
    .map(([logicalId, resource]) => {
      const body = JSON.parse(renderIntrinsic(resource.Properties?.DashboardBody, alarmNames)) as {
        widgets: DashboardWidget[];
      };
      const name = resource.Properties?.DashboardName;
      return { logicalId, name: typeof name === 'string' ? name : `<${logicalId}>`, widgets: body.widgets };
    });
}

/**
 * Text of a value built from intrinsics: `Fn::Join` joined, an alarm's `Fn::GetAtt` Arn as
 * its AlarmName, other references as `<LogicalId>` / `<LogicalId.Attribute>` / `<AWS::Region>`.
 */
export function renderIntrinsic(value: unknown, alarmNames: ReadonlyMap<string, string> = new Map()): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map((part) => renderIntrinsic(part, alarmNames)).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    if (ref) return `<${ref}>`;
    const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt) return alarmNames.get(getAtt[0]) ?? `<${getAtt[0]}.${getAtt[1]}>`;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** One plotted or hidden series of a graph widget, read off its `metrics` entry. */
export interface Series {
  /** `Namespace MetricName dim=value ...`, or the math expression. */
  readonly what: string;
  readonly label?: string;
  readonly stat?: string;
  readonly period?: number;
  readonly yAxis: 'left' | 'right';
  readonly color?: string;
  /** False for a metric only an expression uses. */
  readonly visible: boolean;
}

/** The series of a graph widget's `metrics` (full arrays, as the CDK writes them). */
export function seriesOf(widget: DashboardWidget): Series[] {
  return (widget.properties.metrics ?? []).map((entry) => {
    const last = entry[entry.length - 1];
    const options = (typeof last === 'object' && last !== null ? last : {}) as {
      expression?: string;
      label?: string;
      stat?: string;
      period?: number;
      yAxis?: 'left' | 'right';
      color?: string;
      visible?: boolean;
    };
    let what: string;
    if (options.expression !== undefined) {
      what = options.expression;
    } else {
      const [namespace, metricName, ...dimensions] = entry.filter((part) => typeof part === 'string');
      const pairs: string[] = [];
      for (let i = 0; i + 1 < dimensions.length; i += 2) pairs.push(`${dimensions[i]}=${dimensions[i + 1]}`);
      what = [namespace, metricName, ...pairs].join(' ');
    }
    return {
      what,
      ...(options.label === undefined ? {} : { label: options.label }),
      ...(options.stat === undefined ? {} : { stat: options.stat }),
      ...(options.period === undefined ? {} : { period: options.period }),
      yAxis: options.yAxis ?? 'left',
      ...(options.color === undefined ? {} : { color: options.color }),
      visible: options.visible !== false,
    };
  });
}

/** A readable summary of `dashboard`: one block per widget, top to bottom, left to right. */
export function summarizeDashboard(dashboard: RenderedDashboard): string {
  const lines = [`Dashboard ${dashboard.name} (${dashboard.widgets.length} widgets, grid 24 wide)`];
  const ordered = [...dashboard.widgets].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const widget of ordered) {
    const { properties } = widget;
    const where = `[x=${widget.x} y=${widget.y} ${widget.width}x${widget.height}]`;
    if (widget.type === 'alarm') {
      const alarms = properties.alarms ?? [];
      lines.push('', `${where} alarm status "${properties.title ?? ''}": ${alarms.length} alarms`);
      for (const alarm of alarms) lines.push(`    ${alarm}`);
      continue;
    }
    if (widget.type !== 'metric') {
      lines.push('', `${where} ${widget.type} "${properties.title ?? ''}"`);
      continue;
    }
    lines.push('', `${where} graph "${properties.title ?? ''}" (${properties.view ?? 'timeSeries'})`);
    for (const side of ['left', 'right'] as const) {
      const axis = properties.yAxis?.[side];
      if (axis === undefined) continue;
      const range = `${axis.min ?? 'auto'}..${axis.max ?? 'auto'}`;
      lines.push(`  ${side} axis: ${axis.label ?? '(no label)'} ${range}`);
    }
    for (const series of seriesOf(widget)) {
      const how = [series.stat, series.period === undefined ? undefined : `${series.period}s`]
        .filter((part) => part !== undefined)
        .join(' ');
      const shown = series.visible ? `${series.yAxis}:` : 'hidden:';
      const label = series.label === undefined ? '' : ` "${series.label}"`;
      lines.push(`  ${shown}${label} ${series.what}${how ? ` (${how})` : ''}`);
    }
    for (const annotation of properties.annotations?.horizontal ?? []) {
      lines.push(`  line at ${annotation.value}${annotation.label ? ` "${annotation.label}"` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
