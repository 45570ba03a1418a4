import type { Machine } from "./machine.js";
import type { LatencySummary } from "./stats.js";

export interface ModeResult {
  readonly mode: string;
  readonly idle: LatencySummary;
  readonly light: LatencySummary & { readonly busy: number };
  readonly flood: LatencySummary & { readonly busy: number };
  readonly aErrors: number;
  /** 1-minute load average when the mode ended (the machine is shared). */
  readonly load: number;
  readonly share: {
    readonly seconds: number;
    readonly heavy: number;
    readonly light: number;
    readonly ratio: number;
    readonly busy: number;
  } | null;
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : "–");
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "–");
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "–");

/** The results as Markdown tables (what bench/RESULTS.md records). */
export function printReport(
  results: readonly ModeResult[],
  machine: Machine,
  setup: { sim: object; tokens: object; seconds: object; capacity: number },
): void {
  const out: string[] = [];
  out.push(
    `machine: ${machine.cpu}, ${machine.cpus} CPUs, ${machine.memoryGb} GB, Node ${machine.node}, Linux ${machine.kernel}, load ${machine.load}, commit ${machine.commit ?? "?"}`,
  );
  out.push(`setup: ${JSON.stringify({ ...setup })}`, "");
  out.push(
    "| mode | B idle p50 / p99 (ms) | A=10: B p50 / p99 | A=64: B p50 / p99 | A=64: p99 ÷ idle p99 | A=64: pool busy | B n (idle / 10 / 64) | load |",
  );
  out.push("|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    out.push(
      `| ${r.mode} | ${ms(r.idle.p50)} / ${ms(r.idle.p99)} | ${ms(r.light.p50)} / ${ms(r.light.p99)} | ` +
        `${ms(r.flood.p50)} / ${ms(r.flood.p99)} | ${x(r.flood.p99 / r.idle.p99)} | ${pct(r.flood.busy)} | ` +
        `${r.idle.n} / ${r.light.n} / ${r.flood.n} | ${r.load.toFixed(2)} |`,
    );
  }
  out.push(
    "",
    "| mode | heavy (w 2) service | light (w 1) service | heavy ÷ light | pool busy |",
    "|---|---|---|---|---|",
  );
  for (const r of results) {
    if (r.share === null) continue;
    out.push(
      `| ${r.mode} | ${Math.round(r.share.heavy)} | ${Math.round(r.share.light)} | ${r.share.ratio.toFixed(3)} | ${pct(r.share.busy)} |`,
    );
  }
  const errors = results.reduce((n, r) => n + r.aErrors + r.idle.errors + r.light.errors + r.flood.errors, 0);
  out.push("", `failed requests: ${errors}`);
  console.log(out.join("\n"));
}
