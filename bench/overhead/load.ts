import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { summarize, type Summary } from "./stats.js";

/** Where requests go: straight to the simulator, through the gateway, or through the floor proxy. */
export interface Target {
  readonly name: "direct" | "gateway" | "floor";
  readonly pool: Pool;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RunResult {
  readonly target: Target["name"];
  readonly mode: "open" | "closed";
  /** Open loop: the scheduled rate (requests/s). */
  readonly rate: number | null;
  /** Closed loop: the number of clients each sending its next request when the previous one ends. */
  readonly concurrency: number | null;
  readonly durationS: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  /** Error kinds (HTTP status or undici error code) and how often. */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** Successful responses per second, first scheduled send to last response. */
  readonly achievedRps: number;
  /** Open loop: from the scheduled send time to the last byte (free of coordinated omission). */
  readonly latency: Summary;
  /** From the actual send to the last byte (what a closed-loop tool would report). */
  readonly service: Summary;
  /** Open loop: how late requests left compared with their schedule (timer granularity, busy loop). */
  readonly sendLag: Summary;
}

export function createTarget(
  name: Target["name"],
  url: string,
  model: string,
  headers: Record<string, string> = {},
): Target {
  return {
    name,
    pool: new Pool(url, {
      connections: 256,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    }),
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Say hi" }], max_tokens: 8 }),
  };
}

interface Outcome {
  readonly ok: boolean;
  readonly kind: string;
}

/** One request, body read to the end. Never throws. */
async function send(target: Target): Promise<Outcome> {
  try {
    const res = await target.pool.request({
      method: "POST",
      path: target.path,
      headers: target.headers,
      body: target.body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return { ok: false, kind: `http_${res.statusCode}` };
    if (!text.includes('"choices"')) return { ok: false, kind: "bad_body" };
    return { ok: true, kind: "ok" };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { ok: false, kind: typeof code === "string" ? code : err instanceof Error ? err.name : "error" };
  }
}

/**
 * Open loop: request i is due at start + i / rate whatever happened to the earlier ones, and its
 * latency counts from that due time, so a stall shows up in every request it delays.
 */
export async function openLoop(target: Target, rate: number, durationS: number): Promise<RunResult> {
  const n = Math.max(1, Math.round(rate * durationS));
  const interval = 1000 / rate;
  const latency = new Float64Array(n);
  const service = new Float64Array(n);
  const lag = new Float64Array(n);
  const okFlags = new Uint8Array(n);
  const kinds: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let lastDone = 0;
  const start = performance.now() + 2;

  await new Promise<void>((resolve) => {
    const fire = (i: number, due: number): void => {
      const sentAt = performance.now();
      lag[i] = sentAt - due;
      void send(target).then((o) => {
        const end = performance.now();
        latency[i] = end - due;
        service[i] = end - sentAt;
        lastDone = Math.max(lastDone, end);
        if (o.ok) okFlags[i] = 1;
        else kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
        if (++done === n) resolve();
      });
    };
    const tick = (): void => {
      const now = performance.now();
      while (next < n) {
        const due = start + next * interval;
        if (due > now) break;
        fire(next++, due);
      }
      if (next < n) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    setTimeout(tick, 2);
  });

  return result(
    target,
    "open",
    rate,
    null,
    durationS,
    okFlags,
    kinds,
    start,
    lastDone,
    latency,
    service,
    lag,
  );
}

/** Closed loop: `concurrency` clients, each sending its next request as soon as the previous one ends. */
export async function closedLoop(target: Target, concurrency: number, durationS: number): Promise<RunResult> {
  const latencies: number[] = [];
  const oks: number[] = [];
  const kinds: Record<string, number> = {};
  const start = performance.now();
  const end = start + durationS * 1000;
  let lastDone = start;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      const o = await send(target);
      lastDone = performance.now();
      latencies.push(lastDone - t);
      oks.push(o.ok ? 1 : 0);
      if (!o.ok) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const service = Float64Array.from(latencies);
  return result(
    target,
    "closed",
    null,
    concurrency,
    durationS,
    Uint8Array.from(oks),
    kinds,
    start,
    lastDone,
    service,
    service,
    new Float64Array(0),
  );
}

function result(
  target: Target,
  mode: RunResult["mode"],
  rate: number | null,
  concurrency: number | null,
  durationS: number,
  okFlags: Uint8Array,
  kinds: Record<string, number>,
  start: number,
  lastDone: number,
  latency: Float64Array,
  service: Float64Array,
  lag: Float64Array,
): RunResult {
  let ok = 0;
  for (const f of okFlags) ok += f;
  const okOnly = (a: Float64Array): Float64Array => a.filter((_, i) => okFlags[i] === 1);
  return {
    target: target.name,
    mode,
    rate,
    concurrency,
    durationS,
    sent: okFlags.length,
    ok,
    errors: okFlags.length - ok,
    errorKinds: kinds,
    achievedRps: ok / Math.max(1e-9, (lastDone - start) / 1000),
    latency: summarize(okOnly(latency)),
    service: summarize(okOnly(service)),
    sendLag: summarize(lag),
  };
}
