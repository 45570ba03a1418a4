/**
 * Store-level ingest: how many usage events per second each store takes, through the real code.
 *
 * 1. `LedgerRepository.append` in a loop, one batch after the other (as the single writer does), for
 *    a few batch sizes: the store's own rate (time spent in append only; generating events is not
 *    counted), each run on an empty store. On SQLite every statement's synchronous run time is
 *    recorded (timed-sqlite.ts), and two settings that are not the product's are compared with the
 *    shipped ones at batch 500: WAL auto-checkpoints off (they run inside COMMIT, fsyncs included),
 *    and time-ordered request ids (random ids dirty a page of the primary-key index per event).
 * 2. The production path in process: the `Ledger` (file journal with group commit and fdatasync, the
 *    writer reading it back in batches of 500 with a 200 ms partial-batch wait) fed open-loop at fixed
 *    rates: events stored per second, the journal backlog over time (it must not grow), how long
 *    `durable()` takes (what a response waits), and the event loop's delays (what a gateway sharing
 *    the loop would feel).
 * 3. Catch-up: a journal already holding N events (as after a database outage) drained to the store.
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import type { Store } from "../../src/store/port.js";
import { openFileJournal } from "../../src/usage/journal/file-journal.js";
import { decodingWriter, Ledger } from "../../src/usage/ledger.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";
import { disturbance, processCpuSeconds } from "../overhead/machine.js";
import { summarize, type Summary } from "../overhead/stats.js";
import { EventSource, universe } from "./events.js";
import { accounted, undisturbed, type CpuUse, type NoisePolicy, type Party } from "./noise.js";
import { asOwner, openBenchStore, sqliteStore, type BackendName, type BenchStore } from "./stores.js";
import { openTimedSqliteStore, StatementTimes, type StatementKind } from "./timed-sqlite.js";

export interface IngestOptions {
  readonly noise: NoisePolicy;
  readonly tenants: number;
  readonly batchSizes: readonly number[];
  /** Seconds of append time per batch size. */
  readonly appendSeconds: number;
  /** Offered rates (events/s) for the Ledger path. */
  readonly rates: readonly number[];
  readonly rateSeconds: number;
  readonly drainEvents: number;
  /** SQLite: also append with WAL auto-checkpoints off, and with time-ordered request ids. */
  readonly sqliteVariants: boolean;
}

interface Measured {
  readonly cpu: CpuUse;
  readonly attempt: number;
  readonly noisy: boolean;
}

export type AppendResult = Measured & {
  readonly backend: BackendName;
  readonly batchSize: number;
  /** "as shipped", or the SQLite setting changed for comparison. */
  readonly variant: string;
  readonly events: number;
  /** Events per second of time spent inside append(). */
  readonly eventsPerS: number;
  readonly batchMs: Summary;
  /** SQLite: the longest synchronous statement (event loop blocked), ms. */
  readonly longestStatementMs: number | null;
};

export type LedgerRateResult = Measured & {
  readonly backend: BackendName;
  readonly offered: number;
  readonly durationS: number;
  readonly recorded: number;
  /** Events stored while the load ran, per second of the run. */
  readonly storedPerS: number;
  readonly backlogMax: number;
  readonly backlogEnd: number;
  /** Least-squares slope of the backlog over the second half of the run (events/s; ~0 = keeping up). */
  readonly backlogSlope: number;
  /** After the load stopped: how long until the store had every event. */
  readonly catchUpMs: number;
  readonly writeErrors: number;
  /** From record() to durable() resolving: the group commit a response waits for. */
  readonly durableMs: Summary;
  /** How late the event loop's 1 ms samples came (beyond the sampling interval), ms. */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** The longest garbage-collection pause (this process holds the run's events, pre-generated). */
  readonly gcMaxMs: number;
  readonly longestStatementMs: number | null;
};

export type DrainResult = Measured & {
  readonly backend: BackendName;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerS: number;
};

export interface StatementRow {
  readonly backend: BackendName;
  readonly phase: string;
  readonly kind: StatementKind;
  readonly times: Summary;
}

export interface IngestResult {
  readonly append: AppendResult[];
  readonly ledger: LedgerRateResult[];
  readonly drain: DrainResult[];
  readonly statements: StatementRow[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const self: Party = { name: "bench", cpuSeconds: () => processCpuSeconds(process.pid) };

function statementRows(backend: BackendName, phase: string, times: StatementTimes): StatementRow[] {
  return [...times.samples.entries()].map(([kind, list]) => ({
    backend,
    phase,
    kind,
    times: summarize(list),
  }));
}

async function appendRun(store: Store, source: EventSource, batchSize: number, seconds: number) {
  const batchMs: number[] = [];
  let spent = 0;
  let events = 0;
  while (spent < seconds * 1000) {
    const now = Date.now();
    const batch: UsageEvent[] = Array.from({ length: batchSize }, (_x, i) => source.event(new Date(now + i)));
    const t0 = performance.now();
    await store.ledger.append(batch);
    const ms = performance.now() - t0;
    spent += ms;
    batchMs.push(ms);
    events += batchSize;
  }
  return { events, eventsPerS: events / (spent / 1000), batchMs: summarize(batchMs) };
}

function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function newLedger(store: Store, dir: string, counters: { stored: number; errors: number }) {
  const journal = await openFileJournal({
    dir: mkdtempSync(join(dir, "journal-")),
    fsync: "commit",
    commitIntervalMs: 0,
    segmentBytes: 64 * 1024 * 1024,
  });
  return new Ledger({
    journal,
    repository: decodingWriter(store.ledger),
    ping: () => store.ping(),
    batchSize: 500,
    batchIntervalMs: 200,
    drainTimeoutMs: 60_000,
    events: {
      onStored: (_records, inserted) => (counters.stored += inserted),
      onWriteError: () => counters.errors++,
    },
  });
}

const LOOP_SAMPLING_MS = 1;

/** The Ledger fed at `rate` events/s for `seconds`, open loop (1 ms ticks). */
async function ledgerAtRate(store: Store, dir: string, source: EventSource, rate: number, seconds: number) {
  const counters = { stored: 0, errors: 0 };
  const ledger = await newLedger(store, dir, counters);
  ledger.start();
  const n = Math.round(rate * seconds);
  const events = Array.from({ length: n }, () => source.event(new Date()));
  const durable = new Float64Array(n);
  const backlog: [number, number][] = [];
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLING_MS });
  loop.enable();
  const gc = { maxMs: 0, totalMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.maxMs = Math.max(gc.maxMs, e.duration);
      gc.totalMs += e.duration;
    }
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    let lastSample = 0;
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(n, Math.floor(((now - start) / 1000) * rate));
      for (; next < due; next++) {
        const e = events[next]!;
        const i = next;
        const t0 = performance.now();
        ledger.record(e);
        void ledger.durable(e).then(() => (durable[i] = performance.now() - t0));
      }
      if (now - lastSample >= 250) {
        backlog.push([(now - start) / 1000, ledger.backlog]);
        lastSample = now;
      }
      if (next < n) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  const storedDuringRun = counters.stored;
  const backlogEnd = ledger.backlog;
  const t0 = performance.now();
  await ledger.flush(120_000);
  const catchUpMs = performance.now() - t0;
  loop.disable();
  gcObserver.disconnect();
  await ledger.close();
  const half = backlog.filter(([t]) => t >= seconds / 2);
  return {
    offered: rate,
    durationS: elapsed,
    recorded: n,
    storedPerS: storedDuringRun / elapsed,
    backlogMax: Math.max(...backlog.map(([, b]) => b), backlogEnd),
    backlogEnd,
    backlogSlope: slope(half),
    catchUpMs,
    writeErrors: counters.errors,
    durableMs: summarize(durable),
    gcMaxMs: gc.maxMs,
    // Node's delay histogram records whole intervals between samples: less the sampling interval.
    loopDelayMs: {
      p50: loop.percentile(50) / 1e6 - LOOP_SAMPLING_MS,
      p99: loop.percentile(99) / 1e6 - LOOP_SAMPLING_MS,
      max: loop.max / 1e6 - LOOP_SAMPLING_MS,
    },
  };
}

/** A journal holding `n` events before the writer starts: the time to store them all. */
async function drainRun(store: Store, dir: string, source: EventSource, n: number) {
  const counters = { stored: 0, errors: 0 };
  const ledger = await newLedger(store, dir, counters);
  let last: UsageEvent | undefined;
  for (let i = 0; i < n; i++) {
    last = source.event(new Date());
    ledger.record(last);
    if (i % 5000 === 4999) await sleep(0);
  }
  if (last !== undefined) await ledger.durable(last);
  const t0 = performance.now();
  ledger.start();
  await ledger.flush(600_000);
  const seconds = (performance.now() - t0) / 1000;
  await ledger.close();
  return { events: counters.stored, seconds, eventsPerS: counters.stored / seconds };
}

/** SQLite settings compared with the shipped ones (findings about event-loop stalls; not the product's). */
interface Variant {
  readonly name: string;
  readonly pragmas: readonly string[];
  readonly ids: "random" | "sequential";
}
const SHIPPED: Variant = { name: "as shipped", pragmas: [], ids: "random" };
const SQLITE_VARIANTS: readonly Variant[] = [
  { name: "wal_autocheckpoint = 0", pragmas: ["wal_autocheckpoint = 0"], ids: "random" },
  { name: "time-ordered request ids", pragmas: [], ids: "sequential" },
];

/** An empty store for one append run: a new SQLite file (timed), or the PostgreSQL database emptied. */
async function emptyStore(bs: BenchStore, pg: Store | null, times: StatementTimes, v: Variant) {
  if (bs.backend === "postgres") {
    await asOwner(bs, (c) => c.query("truncate usage_events, usage_records"));
    return { store: pg!, close: async () => undefined };
  }
  const fresh = sqliteStore("append");
  const store = openTimedSqliteStore(fresh.file!, times, v.pragmas);
  await store.migrate();
  return {
    store,
    close: async () => {
      await store.close();
      await fresh.drop();
    },
  };
}

export async function ingest(backend: BackendName, o: IngestOptions, seed: number): Promise<IngestResult> {
  const bs = await openBenchStore(backend, "ingest");
  const times = new StatementTimes();
  const store = backend === "sqlite" ? openTimedSqliteStore(bs.file!, times) : await bs.open();
  if (backend === "sqlite") await store.migrate();
  const parties: Party[] = [self, { name: "postgres", cpuSeconds: () => bs.serverCpuSeconds() }];
  const u = universe(o.tenants);
  const source = new EventSource(u, seed);
  const out: IngestResult = { append: [], ledger: [], drain: [], statements: [] };
  const longest = (): number | null => (backend === "sqlite" ? times.max() : null);
  const runs = [
    ...o.batchSizes.map((batchSize) => ({ batchSize, variant: SHIPPED })),
    ...(backend === "sqlite" && o.sqliteVariants
      ? SQLITE_VARIANTS.map((variant) => ({ batchSize: 500, variant }))
      : []),
  ];
  try {
    await appendRun(store, source, 500, 1); // warm-up (JIT, connections, first pages)
    for (const { batchSize, variant } of runs) {
      const label = `${backend} append batch ${batchSize}${variant === SHIPPED ? "" : ` (${variant.name})`}`;
      const src =
        variant.ids === "random"
          ? source
          : new EventSource(u, seed, "sequential", `req_${Date.now().toString(16)}_`);
      const r = await undisturbed(label, o.noise, async () => {
        const empty = await emptyStore(bs, store, times, variant);
        try {
          await appendRun(empty.store, src, batchSize, 0.5); // first pages, statement shapes
          times.clear();
          const { result, cpu } = await accounted(parties, () =>
            appendRun(empty.store, src, batchSize, o.appendSeconds),
          );
          return { ...result, cpu, longestStatementMs: longest() };
        } finally {
          await empty.close();
        }
      });
      const row: AppendResult = { backend, batchSize, variant: variant.name, ...r };
      out.append.push(row);
      if (batchSize === 500 && backend === "sqlite")
        out.statements.push(...statementRows(backend, `append, batch 500, ${variant.name}`, times));
      console.log(
        `  ${label}: ${row.eventsPerS.toFixed(0)} events/s, batch p50 ${row.batchMs.p50.toFixed(1)} ms` +
          ` p99 ${row.batchMs.p99.toFixed(1)} ms` +
          (row.longestStatementMs === null
            ? ""
            : `, longest statement ${row.longestStatementMs.toFixed(2)} ms`) +
          `, other load + steal ${disturbance(r.cpu).toFixed(0)}%`,
      );
    }
    for (const rate of o.rates) {
      const label = `${backend} ledger at ${rate} events/s`;
      const r = await undisturbed(label, o.noise, async () => {
        times.clear();
        const { result, cpu } = await accounted(parties, () =>
          ledgerAtRate(store, bs.dir, source, rate, o.rateSeconds),
        );
        return { ...result, cpu, longestStatementMs: longest() };
      });
      out.ledger.push({ backend, ...r });
      out.statements.push(...statementRows(backend, `ledger at ${rate}/s`, times));
      console.log(
        `  ${label}: stored ${r.storedPerS.toFixed(0)}/s, backlog max ${r.backlogMax} end ${r.backlogEnd}` +
          ` (slope ${r.backlogSlope.toFixed(0)}/s), durable p50 ${r.durableMs.p50.toFixed(2)} ms p99 ${r.durableMs.p99.toFixed(2)} ms,` +
          ` loop delay p99 ${r.loopDelayMs.p99.toFixed(2)} ms max ${r.loopDelayMs.max.toFixed(2)} ms, other load + steal ${disturbance(r.cpu).toFixed(0)}%`,
      );
    }
    const label = `${backend} catch-up of ${o.drainEvents} journaled events`;
    const d = await undisturbed(label, o.noise, async () => {
      const { result, cpu } = await accounted(parties, () => drainRun(store, bs.dir, source, o.drainEvents));
      return { ...result, cpu };
    });
    out.drain.push({ backend, ...d });
    console.log(`  ${label}: ${d.eventsPerS.toFixed(0)} events/s (${d.seconds.toFixed(1)} s)`);
    return out;
  } finally {
    await store.close();
    await bs.drop();
  }
}
