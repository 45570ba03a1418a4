import type { Sample } from "./load.js";

export interface Series {
  readonly name: string;
  readonly color: string;
  /** B's requests of this mode, times relative to the mode's start (ms). */
  readonly points: readonly Sample[];
}

export interface Band {
  readonly label: string;
  readonly from: number;
  readonly to: number;
}

const W = 960;
const H = 460;
const M = { left: 70, right: 20, top: 40, bottom: 60 };

/**
 * An SVG scatter plot of B's latency (log scale) against the time it was sent, one colour per mode,
 * with the phases shaded and the target (1.25 × idle p99) drawn as a dashed line.
 */
export function latencyPlot(
  series: readonly Series[],
  bands: readonly Band[],
  target: number,
  title: string,
): string {
  const tMax = Math.max(...bands.map((b) => b.to));
  const all = series.flatMap((s) => s.points.map((p) => p.end - p.start));
  const yMin = 0.2;
  const yMax = Math.max(2, ...all.map((v) => v / 1000)) * 1.2;
  const x = (ms: number) => M.left + (ms / tMax) * (W - M.left - M.right);
  const y = (s: number) =>
    H -
    M.bottom -
    ((Math.log(s) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin))) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  bands.forEach((b, i) => {
    out.push(
      `<rect x="${x(b.from)}" y="${M.top}" width="${x(b.to) - x(b.from)}" height="${H - M.top - M.bottom}" fill="${i % 2 ? "#f3f3f3" : "#e8eef7"}"/>`,
      `<text x="${(x(b.from) + x(b.to)) / 2}" y="${M.top + 14}" text-anchor="middle" fill="#555">${b.label}</text>`,
    );
  });
  for (const v of [0.25, 0.5, 1, 2, 4, 8, 16, 32].filter((v) => v >= yMin && v <= yMax)) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${v} s</text>`,
    );
  }
  for (let t = 0; t <= tMax; t += 10_000) {
    out.push(`<text x="${x(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${t / 1000}</text>`);
  }
  out.push(
    `<text x="${W / 2}" y="${H - 22}" text-anchor="middle">time since the run of the mode started (s); each dot is one of tenant B's requests, at the time it was sent</text>`,
    `<text transform="translate(18 ${H / 2}) rotate(-90)" text-anchor="middle">B's latency (log scale)</text>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${y(target / 1000)}" y2="${y(target / 1000)}" stroke="#2a2" stroke-dasharray="6 4"/>`,
    `<text x="${W - M.right - 4}" y="${y(target / 1000) - 5}" text-anchor="end" fill="#2a2">target: 1.25 × idle p99</text>`,
  );
  for (const s of series) {
    for (const p of s.points) {
      const v = Math.max(yMin, (p.end - p.start) / 1000);
      out.push(
        `<circle cx="${x(p.start).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.2" fill="${s.color}" fill-opacity="0.7"/>`,
      );
    }
  }
  series.forEach((s, i) => {
    const lx = M.left + 10 + i * 200;
    out.push(
      `<circle cx="${lx}" cy="${H - 8}" r="5" fill="${s.color}"/>`,
      `<text x="${lx + 10}" y="${H - 4}">${s.name}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}
