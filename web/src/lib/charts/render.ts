import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';
import { chartPalette, formatAxisValue, type ChartSpec } from './spec';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, SVGRenderer]);

const FONT = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const TEXT = '#454b53';
const MUTED = '#60666e';
/** Lines differ by marker and dash as well as by colour, so they stay apart in grey print and for every eye. */
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'roundRect', 'pin'];
const DASHES = ['solid', 'dashed', 'dotted'] as const;

function option(spec: ChartSpec, width: number): EChartsCoreOption {
  const horizontal = spec.horizontal === true;
  const longest = Math.max(0, ...spec.categories.map((category) => category.length));
  // Category labels turn when they would run into each other along a narrow axis.
  const rotate = !horizontal && spec.categories.length * Math.min(longest, 18) * 7 > width - 120 ? 30 : 0;
  const valueAxis = {
    type: 'value',
    name: spec.valueLabel,
    nameLocation: 'middle',
    nameGap: horizontal ? 30 : 58,
    nameTextStyle: { color: MUTED, fontSize: 12, fontFamily: FONT },
    axisLabel: { color: TEXT, fontFamily: FONT, formatter: (value: number) => formatAxisValue(value, spec.unit) },
    splitLine: { lineStyle: { color: '#e3e5e8' } },
    // Counts have no fractions: ticks at whole numbers only.
    ...(spec.unit === 'count' ? { minInterval: 1 } : {}),
    ...(spec.unit === 'percent' ? { max: (range: { max: number }) => Math.max(100, Math.ceil(range.max / 10) * 10) } : {}),
  };
  const categoryAxis = {
    type: 'category',
    data: spec.categories,
    name: spec.categoryLabel,
    nameLocation: 'middle',
    nameGap: horizontal ? 158 : rotate ? 62 : 30,
    nameTextStyle: { color: MUTED, fontSize: 12, fontFamily: FONT },
    inverse: horizontal,
    axisLabel: { color: TEXT, fontFamily: FONT, interval: 0, rotate, width: horizontal ? 140 : 120, overflow: 'truncate' },
    axisTick: { alignWithLabel: true },
    axisLine: { lineStyle: { color: '#cfd3d8' } },
  };
  return {
    animation: false,
    color: chartPalette,
    textStyle: { fontFamily: FONT },
    legend: spec.series.length > 1 ? { top: 0, left: 'center', textStyle: { color: TEXT, fontFamily: FONT }, itemGap: 18 } : undefined,
    grid: { top: spec.series.length > 1 ? 36 : 16, right: 24, bottom: horizontal ? 44 : rotate ? 78 : 44, left: horizontal ? 172 : 76 },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? categoryAxis : valueAxis,
    series: spec.series.map((series, index) =>
      spec.kind === 'line'
        ? {
            type: 'line',
            name: series.name,
            data: series.values,
            symbol: SYMBOLS[index % SYMBOLS.length],
            symbolSize: 7,
            lineStyle: { width: 2, type: DASHES[index % DASHES.length] },
            connectNulls: false,
          }
        : { type: 'bar', name: series.name, data: series.values, barMaxWidth: 36, ...(spec.stacked ? { stack: 'total' } : {}) }
    ),
  };
}

/**
 * The chart as an SVG string, drawn by ECharts' server-side renderer. The
 * same call runs on the server (the first paint, no script needed) and in the
 * browser (live numbers, a new width), so both draw the same picture. Text
 * (supplier names, GL codes) is escaped by the renderer.
 */
export function chartSvg(spec: ChartSpec, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option(spec, width));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
