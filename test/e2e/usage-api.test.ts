import { readdirSync, readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";

const NOW = Date.parse("2026-11-25T12:30:00Z");
const DAY_START = Date.parse("2026-11-25T00:00:00Z") / 1000;

type Page = {
  object: string;
  data: { start_time: number; end_time: number; results: Record<string, unknown>[] }[];
  has_more: boolean;
  next_page: string | null;
};

describe("GET /v1/usage and the journal before the response", () => {
  let t: TestGateway;
  let journalDir: string;
  let acme: string;
  let startup: string;

  const get = async (key: string, query: string) => {
    const res = await fetch(`${t.url}/v1/usage?${query}`, { headers: { authorization: `Bearer ${key}` } });
    return {
      status: res.status,
      body: (await res.json()) as Page & { error?: { code: string; param: string } },
    };
  };
  const chat = (key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: JSON.stringify({
        model: "llama-3.1-8b",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 7,
        ...extra,
      }),
    });
  const journal = () =>
    readdirSync(journalDir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => readFileSync(join(journalDir, f), "utf8"))
      .join("");

  beforeAll(async () => {
    journalDir = mkdtempSync(join(tmpdir(), "tollgate-usage-journal-"));
    t = await startTestGateway({
      sim: { itlMs: 1 },
      gateway: { clock: () => NOW },
      // a wide commit window: a response that did not wait for its event would beat the write
      mutate: (c) => {
        c.usage.journal.dir = journalDir;
        c.usage.journal.commit_interval_ms = 100;
      },
    });
    acme = await t.key("acme-corp");
    startup = await t.key("startup-xyz");
  });
  afterAll(async () => {
    await t?.close();
    rmSync(journalDir, { recursive: true, force: true });
  });

  it("has a request's event in the journal before the last bytes of its response, streamed or not", async () => {
    const whole = await chat(acme, {}, { "x-tollgate-user": "alice", "x-tollgate-feature": "search" });
    await whole.json();
    expect(journal()).toContain(`"requestId":"${whole.headers.get("x-request-id")}"`);
    const stream = await chat(acme, { stream: true, model: "llama-3.1-70b" }, { "x-tollgate-user": "bob" });
    const text = await stream.text();
    expect(text).toContain("data: [DONE]");
    expect(journal()).toContain(`"requestId":"${stream.headers.get("x-request-id")}"`);
    const refused = await chat(startup, { model: "llama-3.1-70b" }); // not in its tier: 403, still recorded
    expect(refused.status).toBe(403);
    await (await chat(startup)).json();
    await t.gateway.ledger.flush(5000);
    expect(journal()).toContain(`"requestId":"${refused.headers.get("x-request-id")}"`);
  });

  it("answers the caller's own tenant's usage in daily buckets, grouped as asked", async () => {
    const { status, body } = await get(acme, `start_time=${DAY_START}&group_by=model`);
    expect(status).toBe(200);
    expect(body.object).toBe("page");
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ start_time: DAY_START, end_time: DAY_START + 86_400 });
    const results = body.data[0]!.results;
    expect(results.map((r) => [r.model, r.num_model_requests])).toEqual([
      ["llama-3.1-70b", 1],
      ["llama-3.1-8b", 1],
    ]);
    const [ledger] = await t.gateway.store.ledger.totals({
      tenantId: "acme-corp",
      from: new Date(DAY_START * 1000),
      to: new Date((DAY_START + 86_400) * 1000),
      by: [],
    });
    expect(results.reduce((s, r) => s + (r.cost_micros as number), 0)).toBe(ledger!.costMicros);
    expect(results[0]).toMatchObject({ object: "usage.result", amount: { currency: "usd" } });
    const users = await get(acme, `start_time=${DAY_START}&group_by=user_id,feature`);
    expect(users.body.data[0]!.results.map((r) => [r.user_id, r.feature])).toEqual([
      ["alice", "search"],
      ["bob", null],
    ]);
  });

  it("pages hourly buckets", async () => {
    const first = await get(
      acme,
      `start_time=${DAY_START + 11 * 3600}&end_time=${DAY_START + 14 * 3600}&bucket_width=1h&limit=1`,
    );
    expect(first.body.data.map((b) => b.results.length)).toEqual([0]);
    expect(first.body).toMatchObject({ has_more: true, next_page: String(DAY_START + 12 * 3600) });
    const second = await get(
      acme,
      `start_time=0&page=${first.body.next_page}&end_time=${DAY_START + 14 * 3600}&bucket_width=1h`,
    );
    expect(second.body.data.map((b) => [b.start_time, b.results.length])).toEqual([
      [DAY_START + 12 * 3600, 1],
      [DAY_START + 13 * 3600, 0],
    ]);
    expect(second.body.has_more).toBe(false);
  });

  it("never shows another tenant's usage, whatever the request says", async () => {
    const own = await get(
      startup,
      `start_time=${DAY_START}&group_by=model&tenant=acme-corp&tenant_id=acme-corp`,
    );
    expect(
      own.body.data[0]!.results.map((r) => [r.model, r.num_model_requests, r.num_failed_requests]),
    ).toEqual([
      ["llama-3.1-70b", 1, 1],
      ["llama-3.1-8b", 1, 0],
    ]);
    const res = await fetch(`${t.url}/v1/usage?start_time=${DAY_START}`, {
      headers: { authorization: `Bearer ${startup}`, "x-tenant-id": "acme-corp" },
    });
    expect(res.status).toBe(401);
    expect((await fetch(`${t.url}/v1/usage?start_time=${DAY_START}`)).status).toBe(401);
  });

  it("refuses malformed queries with 400 invalid_request naming the parameter", async () => {
    for (const [query, param] of [
      ["", "start_time"],
      [`start_time=${DAY_START}&bucket_width=1m`, "bucket_width"],
      [`start_time=${DAY_START}&limit=32`, "limit"],
      [`start_time=${DAY_START}&group_by=project_id`, "group_by"],
      [`start_time=${DAY_START}&end_time=${DAY_START}`, "end_time"],
    ]) {
      const { status, body } = await get(acme, query!);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: "invalid_request", param });
    }
  });
});
