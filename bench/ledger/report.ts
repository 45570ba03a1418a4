/** bench/ledger's tables (Markdown, readable in a terminal too). */
import { ms, table } from "../overhead/stats.js";
import { CORE_RATE, type GatewayResult, type GatewayRow, type SoakResult } from "./gateway.js";
import type { AppendResult, DrainResult, LedgerRateResult, StatementRow } from "./ingest.js";
import type { InvoiceResult } from "./invoice.js";
import { disturbance } from "../overhead/machine.js";
import { pct, type CpuUse } from "./noise.js";
import type { SyscallRow } from "./syscalls.js";

const n0 = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : "-");
const other = (r: { cpu: CpuUse; noisy: boolean }): string => pct(disturbance(r.cpu)) + (r.noisy ? " !" : "");

export function appendTable(rows: readonly AppendResult[]): string {
  return table(
    [
      "store",
      "variant",
      "batch",
      "events",
      "events/s",
      "batch p50",
      "batch p99",
      "batch max",
      "longest stmt",
      "bench CPU",
      "PG CPU",
      "other load + steal",
    ],
    rows.map((r) => [
      r.backend,
      r.variant,
      String(r.batchSize),
      String(r.events),
      n0(r.eventsPerS),
      ms(r.batchMs.p50),
      ms(r.batchMs.p99),
      ms(r.batchMs.max),
      r.longestStatementMs === null ? "-" : ms(r.longestStatementMs),
      pct(r.cpu.parties.bench),
      r.backend === "postgres" ? pct(r.cpu.parties.postgres) : "-",
      other(r),
    ]),
  );
}

export function statementTable(rows: readonly StatementRow[]): string {
  return table(
    ["phase", "statement", "count", "p50", "p99", "max"],
    rows.map((r) => [
      r.phase,
      r.kind,
      String(r.times.count),
      ms(r.times.p50),
      ms(r.times.p99),
      ms(r.times.max),
    ]),
  );
}

export function ledgerTable(rows: readonly LedgerRateResult[]): string {
  return table(
    [
      "store",
      "offered/s",
      "stored/s",
      "backlog max",
      "backlog end",
      "backlog slope/s",
      "catch-up",
      "durable p50",
      "durable p99",
      "loop delay p99",
      "loop delay max",
      "GC max",
      "longest stmt",
      "bench CPU",
      "PG CPU",
      "other load + steal",
    ],
    rows.map((r) => [
      r.backend,
      String(r.offered),
      n0(r.storedPerS),
      String(r.backlogMax),
      String(r.backlogEnd),
      n0(r.backlogSlope),
      `${n0(r.catchUpMs)} ms`,
      ms(r.durableMs.p50),
      ms(r.durableMs.p99),
      ms(r.loopDelayMs.p99),
      ms(r.loopDelayMs.max),
      ms(r.gcMaxMs),
      r.longestStatementMs === null ? "-" : ms(r.longestStatementMs),
      pct(r.cpu.parties.bench),
      r.backend === "postgres" ? pct(r.cpu.parties.postgres) : "-",
      other(r),
    ]),
  );
}

export function drainTable(rows: readonly DrainResult[]): string {
  return table(
    ["store", "journaled events", "seconds", "events/s", "bench CPU", "PG CPU", "other load + steal"],
    rows.map((r) => [
      r.backend,
      String(r.events),
      r.seconds.toFixed(2),
      n0(r.eventsPerS),
      pct(r.cpu.parties.bench),
      r.backend === "postgres" ? pct(r.cpu.parties.postgres) : "-",
      other(r),
    ]),
  );
}

export function gatewayTable(rows: readonly GatewayRow[]): string {
  return table(
    [
      "store",
      "variant",
      "rate",
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
      "stored/s",
      "backlog end",
      "catch-up",
      "gateway CPU",
      "PG CPU",
      "longest loop stall",
      "other load + steal",
    ],
    rows.map((r) => [
      r.backend,
      r.variant,
      r.rate === CORE_RATE ? `${r.rate} #${r.repeat}` : String(r.rate),
      ms(r.direct.latency.p50),
      ms(r.direct.latency.p99),
      ms(r.gateway.latency.p50),
      ms(r.gateway.latency.p99),
      ms(r.addedMs.p50),
      ms(r.addedMs.p99),
      ms(r.addedSendMs.p50),
      ms(r.addedSendMs.p99),
      n0(r.gateway.achievedRps),
      String(r.gateway.errors + r.direct.errors),
      n0(r.storedPerS),
      String(r.backlogEnd),
      `${n0(r.catchUpMs)} ms`,
      pct(r.gateway.cpu.parties.gateway),
      r.backend === "postgres" ? pct(r.gateway.cpu.parties.postgres) : "-",
      `${ms(r.loopStallMaxMs)} ms`,
      pct(Math.max(disturbance(r.gateway.cpu), disturbance(r.direct.cpu))) + (r.noisy ? " !" : ""),
    ]),
  );
}

export function soakTable(rows: readonly SoakResult[]): string {
  return table(
    [
      "store",
      "rate",
      "seconds",
      "p50",
      "p99",
      "errors",
      "backlog every 5 s",
      "stored/s every 5 s",
      "gateway CPU",
      "other load + steal",
    ],
    rows.map((s) => [
      s.backend,
      String(s.rate),
      s.run.durationS.toFixed(0),
      ms(s.run.latency.p50),
      ms(s.run.latency.p99),
      String(s.run.errors),
      s.samples.map((x) => x.backlog).join(" "),
      s.samples.map((x) => n0(x.storedPerS)).join(" "),
      pct(s.run.cpu.parties.gateway),
      pct(s.run.cpu.otherPct),
    ]),
  );
}

export function invoiceTable(results: readonly InvoiceResult[]): string {
  return table(
    [
      "store",
      "tenant",
      "events",
      "rollup rows",
      "lines",
      "cold p50",
      "cold max",
      "warm p50",
      "warm p99",
      "warm max",
      "totals",
    ],
    results.flatMap((r) =>
      r.tenants.map((t) => [
        r.backend,
        t.tenant,
        String(t.events),
        String(t.rollupRows),
        String(t.lines),
        ms(t.coldMs.p50),
        ms(t.coldMs.max),
        ms(t.warmMs.p50),
        ms(t.warmMs.p99),
        ms(t.warmMs.max),
        t.totalsMatch ? "ok" : "DIFFER",
      ]),
    ),
  );
}

/** The gateway's blocking system calls per second of the trace: its event loop, and its other threads. */
export function syscallTable(results: readonly GatewayResult[], top = 5): string {
  const rows = results.flatMap((g) => {
    const t = g.syscalls;
    if (t === null) return [];
    const line = (thread: string, r: SyscallRow): string[] => [
      `${g.backend} (${g.variant})`,
      thread,
      r.name,
      n0(r.calls / t.seconds),
      ms(r.totalMs / t.seconds),
      ms(r.maxMs),
    ];
    return [
      ...t.mainThread.slice(0, top).map((r) => line("event loop", r)),
      // the pool threads' futex and epoll calls are mostly idle waiting
      ...t.otherThreads
        .filter((r) => r.name !== "futex")
        .slice(0, 2)
        .map((r) => line("other threads", r)),
    ];
  });
  return table(["gateway", "thread", "system call", "calls/s", "ms/s", "max ms"], rows);
}
