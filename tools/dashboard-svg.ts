/**
 * Draws a dashboard's layout as SVG from its synthesized body (tools/dashboard-body.ts):
 * every widget at its grid position and size, with its title, its axes' labels and ranges,
 * its threshold lines and a legend of its series in their colours; alarm widgets as tiles
 * of alarm names. No data is drawn: it shows what the console will lay out, not values.
 */
import { type DashboardWidget, type RenderedDashboard, seriesOf } from './dashboard-body.js';

/** Pixels per grid column (24 across) and per grid row. */
const COLUMN = 50;
const ROW = 34;
const MARGIN = 16;
const HEADER = 44;
/** CloudWatch's default palette, for series without a colour. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const xml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** `text` cut to about `width` pixels of 11 px sans-serif. */
const clip = (text: string, width: number, size = 11) => {
  const max = Math.max(4, Math.floor(width / (size * 0.56)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
};

/** The SVG document of `dashboard`'s layout. */
export function dashboardSvg(dashboard: RenderedDashboard): string {
  const rows = Math.max(...dashboard.widgets.map((widget) => widget.y + widget.height));
  const width = 24 * COLUMN + 2 * MARGIN;
  const height = HEADER + rows * ROW + 2 * MARGIN;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    // The accessible name of the image (and what biome's a11y rule asks for).
    `<title>Layout of the CloudWatch dashboard ${xml(dashboard.name)}</title>`,
    `<rect width="${width}" height="${height}" fill="#f2f3f3"/>`,
    `<text x="${MARGIN}" y="${MARGIN + 18}" font-size="18" font-weight="bold" fill="#16191f">CloudWatch dashboard ${xml(dashboard.name)}</text>`,
    `<text x="${MARGIN}" y="${MARGIN + 36}" font-size="11" fill="#545b64">Layout drawn from the synthesized DashboardBody (tools/render-dashboard.ts): positions, titles, axes, thresholds and series; no data.</text>`,
  ];
  for (const widget of dashboard.widgets) parts.push(widgetSvg(widget));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function widgetSvg(widget: DashboardWidget): string {
  const x = MARGIN + widget.x * COLUMN + 4;
  const y = MARGIN + HEADER + widget.y * ROW + 4;
  const w = widget.width * COLUMN - 8;
  const h = widget.height * ROW - 8;
  const title = widget.properties.title ?? '';
  const parts = [
    `<g>`,
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#ffffff" stroke="#d5dbdb"/>`,
    `<text x="${x + 10}" y="${y + 18}" font-size="13" font-weight="bold" fill="#16191f">${xml(clip(title, w - 20, 13))}</text>`,
  ];
  if (widget.type === 'alarm')
    parts.push(alarmTiles(widget, x, y, w, commonPrefix(widget.properties.alarms ?? [])));
  else if (widget.type === 'metric') parts.push(graphBody(widget, x, y, w, h));
  parts.push('</g>');
  return parts.join('\n');
}

/** The part up to the first `-` that every alarm name shares (the broker's name and `-`). */
function commonPrefix(names: readonly string[]): string {
  const first = names[0] ?? '';
  const prefix = first.slice(0, first.indexOf('-') + 1);
  return prefix && names.every((name) => name.startsWith(prefix)) ? prefix : '';
}

/** The alarm names (less their common prefix, said once in the title row) as tiles, six across. */
function alarmTiles(widget: DashboardWidget, x: number, y: number, w: number, prefix: string): string {
  const alarms = widget.properties.alarms ?? [];
  const across = 6;
  const note = prefix
    ? `<text x="${x + w - 10}" y="${y + 18}" font-size="10.5" text-anchor="end" fill="#545b64">AlarmName = ${xml(prefix)}&lt;tile&gt;</text>`
    : '';
  const tileWidth = (w - 20) / across;
  return `${note}\n${alarms
    .map((alarm, index) => {
      const tx = x + 10 + (index % across) * tileWidth;
      const ty = y + 28 + Math.floor(index / across) * ROW;
      return (
        `<rect x="${tx}" y="${ty}" width="${tileWidth - 6}" height="${ROW - 8}" rx="3" fill="#f8f8f8" stroke="#aab7b8"/>` +
        `<circle cx="${tx + 11}" cy="${ty + (ROW - 8) / 2}" r="5" fill="#aab7b8"/>` +
        `<text x="${tx + 22}" y="${ty + (ROW - 8) / 2 + 4}" font-size="10.5" fill="#16191f">${xml(clip(alarm.slice(prefix.length), tileWidth - 32, 10.5))}</text>`
      );
    })
    .join('\n')}`;
}

/** Plot area with axes, threshold lines and the legend of the visible series. */
function graphBody(widget: DashboardWidget, x: number, y: number, w: number, h: number): string {
  const { properties } = widget;
  const series = seriesOf(widget).filter((entry) => entry.visible);
  const legendHeight = 15 * Math.min(series.length, 6) + 6;
  const plot = { x: x + 46, y: y + 30, w: w - 60, h: h - 42 - legendHeight };
  const left = properties.yAxis?.left;
  const parts = [
    `<line x1="${plot.x}" y1="${plot.y}" x2="${plot.x}" y2="${plot.y + plot.h}" stroke="#879596"/>`,
    `<line x1="${plot.x}" y1="${plot.y + plot.h}" x2="${plot.x + plot.w}" y2="${plot.y + plot.h}" stroke="#879596"/>`,
    `<text x="${plot.x - 6}" y="${plot.y + plot.h}" font-size="10" text-anchor="end" fill="#545b64">${left?.min ?? ''}</text>`,
    `<text x="${plot.x + plot.w}" y="${plot.y + plot.h + 12}" font-size="10" text-anchor="end" fill="#545b64">time →</text>`,
  ];
  if (left?.label) {
    const cx = x + 14;
    const cy = plot.y + plot.h / 2;
    parts.push(
      `<text x="${cx}" y="${cy}" font-size="10" text-anchor="middle" fill="#545b64" transform="rotate(-90 ${cx} ${cy})">${xml(left.label)}</text>`,
    );
  }
  // Thresholds at a fixed height: there is no data to scale them against.
  for (const [index, annotation] of (properties.annotations?.horizontal ?? []).entries()) {
    const ly = plot.y + plot.h * (0.7 - index * 0.2);
    parts.push(
      `<line x1="${plot.x}" y1="${ly}" x2="${plot.x + plot.w}" y2="${ly}" stroke="#d62728" stroke-dasharray="5 3"/>`,
      `<text x="${plot.x + plot.w - 4}" y="${ly - 4}" font-size="10" text-anchor="end" fill="#d62728">${xml(clip(`${annotation.label ?? ''} ${annotation.value}`, plot.w))}</text>`,
    );
  }
  const shown = series.slice(0, 6);
  for (const [index, entry] of shown.entries()) {
    const ly = plot.y + plot.h + 20 + index * 15;
    const color = entry.color ?? PALETTE[index % PALETTE.length];
    // A SEARCH has no label of its own: CloudWatch draws one line per dimension value found.
    const name =
      entry.label ||
      (entry.what.startsWith('SEARCH(') ? 'one line per errorCode found (SEARCH)' : entry.what);
    const text = index === 5 && series.length > 6 ? `… and ${series.length - 5} more series` : name;
    parts.push(
      `<rect x="${x + 10}" y="${ly - 8}" width="12" height="4" fill="${color}"/>`,
      `<text x="${x + 28}" y="${ly - 3}" font-size="10.5" fill="#16191f">${xml(clip(text, w - 40, 10.5))}</text>`,
    );
  }
  return parts.join('\n');
}
