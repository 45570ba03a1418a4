import type { RunResult } from "./load.js";
import { disturbance } from "./machine.js";
import type { PerfSummary } from "./perf.js";
import type { LongTasks, ProfileSummary } from "./profile.js";
import { ms, table } from "./stats.js";

/** CPU use over one measured run, in percent of one core. */
export interface Cpu {
  /** The gateway process (all threads); null when the run went straight to the simulator. */
  readonly gatewayPct: number | null;
  readonly simulatorPct: number;
  readonly loadgenPct: number;
  /** Everything else on the machine (busy time of all CPUs minus the three processes above). */
  readonly otherPct: number;
  readonly stealPct: number;
  /** Gateway CPU time per request, in microseconds. */
  readonly gatewayUsPerRequest: number | null;
  /** With --floor only: the floor proxy's CPU, null when the run did not go through it. */
  readonly floorPct?: number | null;
  readonly floorUsPerRequest?: number | null;
}

export type Measured = RunResult & {
  readonly cpu: Cpu;
  /** 1 for the first try; a run disturbed by other work on the machine is tried again. */
  readonly attempt: number;
};

export interface RateRow {
  readonly rate: number;
  /** 1..N with --repeat N. */
  readonly repeat: number;
  readonly order: readonly RunResult["target"][];
  readonly direct: Measured;
  readonly gateway: Measured;
  readonly addedMs: { readonly p50: number; readonly p90: number; readonly p99: number };
  /** The same from the actual send time (without the load generator's own timer lag). */
  readonly addedServiceMs: { readonly p50: number; readonly p99: number };
  readonly gatewaySustained: boolean;
  readonly directSustained: boolean;
  /** Other work on the machine took more than the noise limit in every attempt. */
  readonly noisy: boolean;
  /** With --floor: the minimal Node proxy, measured in the same round. */
  readonly floor?: FloorRun;
}

/** The floor proxy's run at a rate, and what it added over direct (the machine's share of "added"). */
export interface FloorRun {
  readonly run: Measured;
  readonly addedMs: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly addedServiceMs: { readonly p50: number; readonly p99: number };
  readonly sustained: boolean;
}

const pct = (v: number | null): string => (v === null ? "-" : `${v.toFixed(0)}%`);

export function describeRun(r: RunResult, cpu?: Cpu): string {
  const errs = r.errors > 0 ? ` errors=${r.errors} ${JSON.stringify(r.errorKinds)}` : "";
  const send =
    r.mode === "open"
      ? ` (from send p50=${ms(r.service.p50)} p99=${ms(r.service.p99)}; send lag p99=${ms(r.sendLag.p99)})`
      : "";
  const usage =
    cpu === undefined
      ? ""
      : ` cpu: gateway=${pct(cpu.gatewayPct)}` +
        (cpu.floorPct === undefined ? "" : ` floor=${pct(cpu.floorPct)}`) +
        ` sim=${pct(cpu.simulatorPct)} loadgen=${pct(cpu.loadgenPct)} other=${pct(cpu.otherPct)}` +
        (cpu.stealPct >= 1 ? ` steal=${pct(cpu.stealPct)}` : "");
  return (
    `${r.target.padEnd(7)} p50=${ms(r.latency.p50)} p90=${ms(r.latency.p90)} p99=${ms(r.latency.p99)} ` +
    `max=${ms(r.latency.max)} ms${send}, ${r.achievedRps.toFixed(0)} ok/s${usage}${errs}`
  );
}

const usPerRequest = (v: number | null | undefined): string => (v == null ? "-" : v.toFixed(0));

/** The floor's columns (--floor), inserted before "other load + steal". */
const FLOOR_COLUMNS = ["floor p50", "floor p99", "floor added p50", "floor added p99", "floor CPU µs/req"];

function floorCells(f: FloorRun): string[] {
  return [
    ms(f.run.latency.p50),
    ms(f.run.latency.p99) + (f.sustained ? "" : " ✗"),
    ms(f.addedMs.p50),
    ms(f.addedMs.p99),
    usPerRequest(f.run.cpu.floorUsPerRequest),
  ];
}

export function openLoopTable(rows: readonly RateRow[]): string {
  const repeated = rows.some((r) => r.repeat > 1);
  const withFloor = rows.some((r) => r.floor !== undefined);
  return table(
    [
      "rate (req/s)",
      "direct p50",
      "direct p99",
      "gateway p50",
      "gateway p99",
      "added p50",
      "added p99",
      "added p50 (send)",
      "added p99 (send)",
      "gateway ok/s",
      "errors",
      "gateway CPU",
      "CPU µs/req",
      ...(withFloor ? FLOOR_COLUMNS : []),
      "other load + steal",
    ],
    rows.map((r) => {
      const runs = [r.direct, r.gateway, ...(r.floor === undefined ? [] : [r.floor.run])];
      return [
        repeated ? `${r.rate} #${r.repeat}` : String(r.rate),
        ms(r.direct.latency.p50),
        ms(r.direct.latency.p99),
        ms(r.gateway.latency.p50),
        ms(r.gateway.latency.p99),
        ms(r.addedMs.p50),
        ms(r.addedMs.p99),
        ms(r.addedServiceMs.p50),
        ms(r.addedServiceMs.p99),
        r.gateway.achievedRps.toFixed(0) + (r.gatewaySustained ? "" : " ✗"),
        String(runs.reduce((n, run) => n + run.errors, 0)),
        pct(r.gateway.cpu.gatewayPct),
        usPerRequest(r.gateway.cpu.gatewayUsPerRequest),
        ...(r.floor !== undefined ? floorCells(r.floor) : withFloor ? FLOOR_COLUMNS.map(() => "-") : []),
        pct(Math.max(...runs.map((run) => disturbance(run.cpu)))) + (r.noisy ? " !" : ""),
      ];
    }),
  );
}

export function closedLoopTable(runs: readonly Measured[]): string {
  const withFloor = runs.some((r) => r.cpu.floorPct !== undefined);
  return table(
    [
      "target",
      "clients",
      "throughput (req/s)",
      "p50",
      "p99",
      "max",
      "errors",
      "gateway CPU",
      "CPU µs/req",
      ...(withFloor ? ["floor CPU", "floor CPU µs/req"] : []),
      "sim CPU",
      "other load + steal",
    ],
    runs.map((r) => [
      r.target,
      String(r.concurrency),
      r.achievedRps.toFixed(0),
      ms(r.latency.p50),
      ms(r.latency.p99),
      ms(r.latency.max),
      String(r.errors),
      pct(r.cpu.gatewayPct),
      usPerRequest(r.cpu.gatewayUsPerRequest),
      ...(withFloor ? [pct(r.cpu.floorPct ?? null), usPerRequest(r.cpu.floorUsPerRequest)] : []),
      pct(r.cpu.simulatorPct),
      pct(disturbance(r.cpu)),
    ]),
  );
}

export function perfTables(p: PerfSummary, requests: number, top = 30): string {
  const us = (share: number): string => ((p.cpuMs * 10 * share) / requests).toFixed(1);
  return [
    `perf: ${p.cpuMs.toFixed(0)} ms of gateway CPU for ${requests} requests = ${((p.cpuMs * 1000) / requests).toFixed(0)} µs/request`,
    "",
    table(
      ["binary", "share", "µs/req"],
      p.byDso.map((r) => [r.name, `${r.pct.toFixed(1)}%`, us(r.pct)]),
    ),
    "",
    table(
      ["symbol", "share", "µs/req"],
      p.bySymbol.slice(0, top).map((r) => [r.name, `${r.pct.toFixed(2)}%`, us(r.pct)]),
    ),
  ].join("\n");
}

export function cpuProfileTables(s: ProfileSummary, requests: number, top = 25): string {
  const perReq = (msec: number): string => ((msec * 1000) / requests).toFixed(1);
  const t = (rows: ProfileSummary["functions"]): string =>
    table(
      ["where", "self %", "self µs/req", "total %"],
      rows.slice(0, top).map((r) => [r.name, r.selfPct.toFixed(1), perReq(r.selfMs), r.totalPct.toFixed(1)]),
    );
  return [
    `V8 profile: ${s.busyMs.toFixed(0)} ms of JavaScript-thread time sampled for ${requests} requests (${perReq(s.busyMs)} µs/request)`,
    "",
    "by area (self time):",
    t(s.areas),
    "",
    "by function (self time):",
    t(s.functions),
    "",
    "by function (inclusive time):",
    t(s.inclusive),
  ].join("\n");
}

export function longTaskTable(t: LongTasks, seconds: number): string {
  return [
    `event-loop stalls of >= ${t.minMs} ms (JavaScript thread busy without a break): ${t.count} in ${seconds} s, ` +
      `${t.totalMs.toFixed(0)} ms in all (${((100 * t.totalMs) / (seconds * 1000)).toFixed(1)}% of the time)`,
    "",
    table(
      ["mostly in", "stalls", "total ms", "longest ms"],
      t.groups.map((g) => [g.culprit, String(g.count), g.totalMs.toFixed(0), g.maxMs.toFixed(1)]),
    ),
  ].join("\n");
}
