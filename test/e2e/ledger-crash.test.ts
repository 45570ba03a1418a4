import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/store/sqlite/driver.js";
import { afterAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { spawnGateway, type GatewayProcess } from "../helpers/processes.js";
import { call, type Outcome } from "./usage-calls.js";

const KEY = "crash-test-key";

/** Reads the ledger straight from the SQLite file (the gateway keeps writing to it). */
function ledger(db: string) {
  const sqlite = openSqlite(db, { readonly: true, fileMustExist: true });
  try {
    const ids = new Set(
      (sqlite.prepare("select request_id from usage_events").all() as { request_id: string }[]).map(
        (r) => r.request_id,
      ),
    );
    const sums = (table: string, count: string) =>
      sqlite
        .prepare(
          `select ${count} as requests, sum(input_tokens) as input, sum(output_tokens) as output, sum(cost_micros) as cost from ${table}`,
        )
        .get();
    return { ids, events: sums("usage_events", "count(*)"), rollups: sums("usage_records", "sum(requests)") };
  } finally {
    sqlite.close();
  }
}

// kill -9 under load, restart: every request whose response completed is in the ledger exactly once.
describe("ledger durability across kill -9", () => {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-crash-"));
  const db = join(dir, "crash.db");
  const file = join(dir, "tollgate.yaml");
  const gateways: GatewayProcess[] = [];

  afterAll(async () => {
    await Promise.all(
      gateways.filter((g) => g.child.exitCode === null && g.child.signalCode === null).map((g) => g.stop()),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds every completed request's event exactly once after a restart", async () => {
    writeFileSync(
      file,
      `
storage: sqlite://${db}
log: { level: warn }
# full batches of 200 reach the store as they fill; the rest waits in the journal
usage: { batch_size: 200, batch_interval_ms: 60000 }
simulators: { sim: { ttft_ms: 5, itl_ms: 2 } }
models:
  llama-3.1-8b:
    upstreams: ["sim://sim"]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 }
tenants:
  acme: { tier: a, models_allowed: [llama-3.1-8b], api_keys: [{ sha256: ${hashApiKey(KEY)} }] }
`,
    );
    const first = await spawnGateway(file);
    gateways.push(first);
    const completed: Outcome[] = [];
    let failures = 0;
    let stop = false;
    const loop = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const kind = (n + i) % 2 === 0 ? "stream" : "chat";
        try {
          const o = await call(first.url, KEY, kind, 5 + ((n * 7 + i) % 25), `load ${n}.${i}`);
          if (o.status === 200 && o.reported !== null) completed.push(o);
        } catch {
          failures++; // the gateway died under this request
          return;
        }
      }
    };
    const load = Array.from({ length: 16 }, (_, n) => loop(n));
    const started = Date.now();
    // kill when some batches are in the store and some completed requests are only in the journal
    const journalOnly = () => {
      const stored = ledger(db).ids;
      return { stored: stored.size, missing: completed.filter((o) => !stored.has(o.requestId)).length };
    };
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (Date.now() - started > 30_000) throw new Error(`no mixed state: ${JSON.stringify(journalOnly())}`);
      const state = journalOnly();
      if (completed.length >= 300 && state.stored >= 200 && state.missing >= 10) break;
    }
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    stop = true;
    await Promise.all(load);
    expect(failures).toBeGreaterThan(0); // requests were in flight when it died

    const done = new Set(completed.map((o) => o.requestId));
    const before = ledger(db);
    const onlyInJournal = [...done].filter((id) => !before.ids.has(id)).length;
    expect(onlyInJournal).toBeGreaterThan(0); // without the journal these would be lost

    const second = await spawnGateway(file); // replays the journal's tail at start
    gateways.push(second);
    let after = ledger(db);
    for (let i = 0; i < 300 && [...done].some((id) => !after.ids.has(id)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = ledger(db);
    }
    expect([...done].filter((id) => !after.ids.has(id))).toEqual([]);
    // nothing counted twice: the rollups hold exactly the stored events
    expect(after.rollups).toEqual(after.events);
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).toMatch(/^llm_usage_journal_backlog_events 0$/m);
    expect(Number(/^llm_usage_events_stored_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(
      onlyInJournal,
    );
  }, 60_000);
});
