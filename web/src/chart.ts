import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrendsAnswer } from './types.ts';

export type Mode = 'counts' | 'shares';

/** What the chart plots, exactly: published on the chart element so a test (or a curious user) can compare it with the API. */
export interface PlottedSeries {
  query: string;
  mode: Mode;
  start: string[];
  support: Array<number | null>;
  criticism: Array<number | null>;
  neutral: Array<number | null>;
}

export const COLOURS = { support: '#1f77b4', criticism: '#d62728', neutral: '#8c8c8c' } as const;

export function seriesFrom(t: TrendsAnswer, mode: Mode, query: string): PlottedSeries {
  const share = (n: number, total: number) => (total ? Math.round((n / total) * 1e4) / 1e4 : null);
  return {
    query,
    mode,
    start: t.buckets.map((b) => b.start),
    support: t.buckets.map((b) => (mode === 'counts' ? b.support : share(b.support, b.total))),
    criticism: t.buckets.map((b) => (mode === 'counts' ? b.criticism : share(b.criticism, b.total))),
    neutral: t.buckets.map((b) => (mode === 'counts' ? b.neutral : share(b.neutral, b.total))),
  };
}

export class StanceChart {
  private plot: uPlot | undefined;
  private mode: Mode | undefined;
  private readonly resize = () => this.plot?.setSize(this.size());

  constructor(private readonly el: HTMLElement) {
    window.addEventListener('resize', this.resize);
  }

  render(s: PlottedSeries): void {
    const data: uPlot.AlignedData = [s.start.map((iso) => Date.parse(iso) / 1000), s.support, s.criticism, s.neutral];
    // Axis formatting depends on the mode, so a mode switch rebuilds the plot; a new poll only swaps the data.
    if (!this.plot || this.mode !== s.mode) {
      this.plot?.destroy();
      this.mode = s.mode;
      this.plot = new uPlot(this.options(s.mode), data, this.el);
    } else {
      this.plot.setData(data);
    }
    this.el.dataset.series = JSON.stringify(s);
  }

  private size() {
    return { width: Math.max(320, this.el.clientWidth), height: 300 };
  }

  private options(mode: Mode): uPlot.Options {
    const value = (v: number | null) => (v === null ? '–' : mode === 'counts' ? String(v) : `${(v * 100).toFixed(1)}%`);
    const line = (label: string, stroke: string): uPlot.Series => ({
      label,
      stroke,
      width: 2,
      points: { show: false },
      value: (_u, v) => value(v),
    });
    return {
      ...this.size(),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: {
        x: { time: true },
        y: mode === 'shares' ? { range: [0, 1] } : { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [
        { stroke: '#555' },
        {
          stroke: '#555',
          values: (_u, ticks) => ticks.map((t) => (mode === 'counts' ? String(t) : `${Math.round(t * 100)}%`)),
        },
      ],
      series: [
        { label: 'UTC' },
        line('support', COLOURS.support),
        line('criticism', COLOURS.criticism),
        line('neutral', COLOURS.neutral),
      ],
    };
  }
}
