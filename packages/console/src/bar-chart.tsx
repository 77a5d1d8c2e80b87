/** One series of a bar chart: a value per day, drawn in `color` and named in the legend. */
export interface Series {
  name: string;
  color: string;
  values: number[];
}

const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 40;
const BOTTOM = 24;
const TOP = 8;

/**
 * Daily values as stacked bars, in SVG the page draws itself: one chart type does not need a
 * library (docs/console.md). The figure is an image with a title and a summary; the numbers
 * themselves are in the table beside it, which is what assistive technology reads.
 */
export function BarChart({
  id,
  title,
  days,
  series,
}: {
  id: string;
  title: string;
  days: string[];
  series: Series[];
}) {
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(1, days.length);
  const bar = Math.max(1, slot * 0.7);
  const y = (v: number) => TOP + plotHeight - (v / max) * plotHeight;
  const labelAt = new Set([0, Math.floor((days.length - 1) / 2), days.length - 1]);
  const sums = series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + b, 0)}`).join(", ");
  return (
    <figure class="chart-figure">
      <svg
        class="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        data-testid={id}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>
          From {days[0]} to {days[days.length - 1]}: {sums}.
        </desc>
        <line x1={LEFT} x2={WIDTH} y1={y(0)} y2={y(0)} stroke="#57606a" />
        <line x1={LEFT} x2={WIDTH} y1={y(max)} y2={y(max)} stroke="#d0d7de" stroke-dasharray="4 4" />
        <text x={LEFT - 6} y={y(max) + 4} text-anchor="end" font-size="12" fill="#57606a">
          {max}
        </text>
        <text x={LEFT - 6} y={y(0) + 4} text-anchor="end" font-size="12" fill="#57606a">
          0
        </text>
        {days.map((day, i) => {
          let base = 0;
          const x = LEFT + i * slot + (slot - bar) / 2;
          return (
            <g key={day}>
              {series.map((s) => {
                const v = s.values[i] ?? 0;
                if (v === 0) return null;
                const rect = (
                  <rect
                    key={s.name}
                    x={x}
                    width={bar}
                    y={y(base + v)}
                    height={y(base) - y(base + v)}
                    fill={s.color}
                  >
                    <title>
                      {day}: {s.name} {v}
                    </title>
                  </rect>
                );
                base += v;
                return rect;
              })}
              {labelAt.has(i) && (
                <text
                  x={x + bar / 2}
                  y={HEIGHT - 6}
                  text-anchor={i === 0 ? "start" : i === days.length - 1 ? "end" : "middle"}
                  font-size="12"
                  fill="#57606a"
                >
                  {day}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="legend">
          {series.map((s) => (
            <li key={s.name}>
              <span class="swatch" aria-hidden="true">
                <svg viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">
                  <rect width="10" height="10" fill={s.color} />
                </svg>
              </span>
              {s.name}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
