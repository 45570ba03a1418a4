import { readFileSync } from "node:fs";

/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof`) used here. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A time window in microseconds of the monotonic clock (`process.hrtime.bigint() / 1000n`, V8's clock). */
export interface Window {
  readonly fromUs: number;
  readonly toUs: number;
}

export interface ProfileRow {
  readonly name: string;
  /** Milliseconds of samples whose top frame is this one. */
  readonly selfMs: number;
  /** Share of the non-idle time. */
  readonly selfPct: number;
  /** Milliseconds of samples with this frame anywhere on the stack (counted once per sample). */
  readonly totalMs: number;
  readonly totalPct: number;
}

export interface ProfileSummary {
  readonly wallMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  /** By function (name + file:line), sorted by self time. */
  readonly functions: readonly ProfileRow[];
  /** By function, sorted by inclusive time (what a call and everything under it costs). */
  readonly inclusive: readonly ProfileRow[];
  /** By where the code lives: a package, a Tollgate source file, Node internals, GC. */
  readonly areas: readonly ProfileRow[];
}

/** "fastify", "tollgate src/http/relay.js", "node:internal/…", "(garbage collector)". */
function area(url: string, fn: string): string {
  if (url === "") return fn.startsWith("(") ? fn : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return pkg[1]!;
  const own = /\/dist\/(.+)$/.exec(url);
  if (own !== null) return `tollgate ${own[1]}`;
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  return url.replace(/^file:\/\//, "");
}

function where(url: string): string {
  const pkg = /node_modules\/(.+)$/.exec(url);
  if (pkg !== null) return pkg[1]!;
  const own = /\/dist\/(.+)$/.exec(url);
  if (own !== null) return own[1]!;
  return url.replace(/^file:\/\//, "");
}

/** Self and inclusive time by function and by area, from the samples inside `window` (default: all). */
export function summarizeProfile(path: string, top = 30, window?: Window): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const parent = new Map<number, number>();
  const fnKey = new Map<number, string>();
  const areaKey = new Map<number, string>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    fnKey.set(node.id, url === "" ? name : `${name} ${where(url)}:${lineNumber + 1}`);
    areaKey.set(node.id, area(url, name));
  }

  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  const areaTotal = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number): void => {
    m.set(k, (m.get(k) ?? 0) + v);
  };
  let wall = 0;
  let idle = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) return;
    const dt = delta / 1000;
    wall += dt;
    const top = fnKey.get(id) ?? "?";
    if (top === "(idle)") {
      idle += dt;
      return;
    }
    add(fnSelf, top, dt);
    add(areaSelf, areaKey.get(id) ?? "?", dt);
    const seenFn = new Set<string>();
    const seenArea = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = fnKey.get(n)!;
      const a = areaKey.get(n)!;
      if (f === "(root)") break;
      if (!seenFn.has(f)) {
        seenFn.add(f);
        add(fnTotal, f, dt);
      }
      if (!seenArea.has(a)) {
        seenArea.add(a);
        add(areaTotal, a, dt);
      }
    }
  });
  const busy = wall - idle;
  const rows = (self: Map<string, number>, total: Map<string, number>, by: "self" | "total"): ProfileRow[] =>
    [...(by === "self" ? self : total).keys()]
      .map((name) => {
        const s = self.get(name) ?? 0;
        const t = total.get(name) ?? s;
        return { name, selfMs: s, selfPct: (100 * s) / busy, totalMs: t, totalPct: (100 * t) / busy };
      })
      .sort((a, b) => (by === "self" ? b.selfMs - a.selfMs : b.totalMs - a.totalMs))
      .slice(0, top);
  return {
    wallMs: wall,
    busyMs: busy,
    idleMs: idle,
    functions: rows(fnSelf, fnTotal, "self"),
    inclusive: rows(fnSelf, fnTotal, "total"),
    areas: rows(areaSelf, areaTotal, "self"),
  };
}

export interface LongTaskGroup {
  /** The Tollgate function deepest on the stack for most of the task's time (or the leaf's area). */
  readonly culprit: string;
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

export interface LongTasks {
  readonly minMs: number;
  readonly count: number;
  readonly totalMs: number;
  readonly groups: readonly LongTaskGroup[];
}

/**
 * Stretches of at least `minMs` during which the JavaScript thread never went idle: what holds the
 * event loop, so every request waiting on it (the tail latency). Each is put down to the Tollgate
 * function deepest on the stack for most of its samples.
 */
export function longTasks(path: string, window: Window, minMs = 3): LongTasks {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const culpritOf = new Map<number, string>();
  const culprit = (id: number): string => {
    let found = culpritOf.get(id);
    if (found !== undefined) return found;
    for (let n: number | undefined = id; n !== undefined && found === undefined; n = parent.get(n)) {
      const { functionName, url, lineNumber } = byId.get(n)!.callFrame;
      const own = /\/dist\/(.+)$/.exec(url);
      if (own !== null && !url.includes("node_modules"))
        found = `${functionName || "(anonymous)"} ${own[1]}:${lineNumber + 1}`;
    }
    const leaf = byId.get(id)!.callFrame;
    found ??= area(leaf.url, leaf.functionName || "(anonymous)");
    culpritOf.set(id, found);
    return found;
  };
  const groups = new Map<string, { count: number; totalMs: number; maxMs: number }>();
  let stretch = new Map<string, number>();
  let stretchMs = 0;
  const close = (): void => {
    if (stretchMs >= minMs) {
      const name = [...stretch.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      const g = groups.get(name) ?? { count: 0, totalMs: 0, maxMs: 0 };
      groups.set(name, {
        count: g.count + 1,
        totalMs: g.totalMs + stretchMs,
        maxMs: Math.max(g.maxMs, stretchMs),
      });
    }
    stretch = new Map();
    stretchMs = 0;
  };
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.fromUs || at > window.toUs) return;
    if (byId.get(id)!.callFrame.functionName === "(idle)") {
      close();
      return;
    }
    const dt = delta / 1000;
    stretchMs += dt;
    const c = culprit(id);
    stretch.set(c, (stretch.get(c) ?? 0) + dt);
  });
  close();
  const list = [...groups.entries()]
    .map(([name, g]) => ({ culprit: name, ...g }))
    .sort((a, b) => b.totalMs - a.totalMs);
  return {
    minMs,
    count: list.reduce((a, g) => a + g.count, 0),
    totalMs: list.reduce((a, g) => a + g.totalMs, 0),
    groups: list.slice(0, 15),
  };
}
