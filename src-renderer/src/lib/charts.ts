// chart.js for the latency charts: only the pieces used (line, linear scales, decimation,
// legend, tooltip) and the zoom plugin. The x axis is linear, in seconds since the dashboard's
// origin, labelled as wall-clock time: no date adapter needed.
import { Chart, Decimation, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { Point } from './ring.ts';
import { formatClock } from './time.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, Decimation, Legend, Tooltip, zoomPlugin);

export { Chart };

const PALETTE = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#6366f1', '#84cc16', '#06b6d4', '#e11d48', '#a855f7', '#22c55e', '#eab308', '#0ea5e9'];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

export interface ChartColors {
  text: string;
  grid: string;
}

export function themeColors(el: Element): ChartColors {
  const css = getComputedStyle(el);
  return { text: css.getPropertyValue('--muted').trim() || '#667', grid: css.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)' };
}

/** The x axis is seconds since `origin`; it is labelled with the wall-clock time. */
function clockLabel(origin: number, seconds: number): string {
  return formatClock(origin + seconds * 1000, false);
}

export interface SeriesSpec {
  label: string;
  color: string;
  data: Point[];
}

export interface LatencyChartOptions {
  origin: number;
  legend: boolean;
  colors: ChartColors;
  /** The user zoomed or panned: stop following the newest data. */
  onManual: () => void;
}

export function latencyChartConfig(series: SeriesSpec[], o: LatencyChartOptions): ChartConfiguration<'line', Point[]> {
  return {
    type: 'line',
    data: {
      datasets: series.map((s) => ({
        label: s.label,
        data: s.data,
        borderColor: s.color,
        backgroundColor: s.color,
        borderWidth: 1.5,
        pointRadius: 0,
        pointHitRadius: 4,
        tension: 0,
        spanGaps: true,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          ticks: { color: o.colors.text, maxRotation: 0, autoSkipPadding: 16, maxTicksLimit: 8, sampleSize: 4, callback: (v) => clockLabel(o.origin, Number(v)) },
          grid: { color: o.colors.grid },
        },
        y: {
          type: 'linear',
          beginAtZero: true,
          ticks: { color: o.colors.text, maxTicksLimit: 6 },
          grid: { color: o.colors.grid },
          title: { display: true, text: 'RTT (ms)', color: o.colors.text },
        },
      },
      plugins: {
        // LTTB down to ~400 points per line once more than 800 are in view (60 s at 20 Hz is
        // 1200): a plot a few hundred pixels wide shows no more, and drawing costs per point.
        // The overlay (many lines, the legend on) takes half that per line.
        decimation: { enabled: true, algorithm: 'lttb', samples: o.legend ? 200 : 400, threshold: o.legend ? 400 : 800 },
        legend: { display: o.legend, labels: { color: o.colors.text, boxWidth: 12, boxHeight: 2 } },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? clockLabel(o.origin, items[0].parsed.x ?? 0) : ''),
            label: (item) => `${item.dataset.label ?? ''}: ${(item.parsed.y ?? 0).toFixed(2)} ms`,
          },
        },
        zoom: {
          zoom: { wheel: { enabled: true }, pinch: { enabled: true }, mode: 'x', onZoomStart: () => (o.onManual(), true) },
          pan: { enabled: true, mode: 'xy', onPanStart: () => (o.onManual(), true) },
          limits: { y: { min: 0 } },
        },
      },
    },
  };
}
