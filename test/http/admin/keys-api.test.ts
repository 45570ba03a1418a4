import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyView } from "../../../src/http/admin/schemas.js";
import { eventually, startTestGateway, type TestGateway } from "../../helpers/gateway.js";
import { admin, ADMIN_KEYS, adminYaml, chat } from "../../helpers/admin.js";

const A = ADMIN_KEYS.acmeAdmin;
const BASE = "/tenants/acme-corp/keys";

interface Key {
  id: string;
  key?: string;
  prefix: string;
  state: string;
  scopes: string[];
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  previous?: Key;
}

describe("admin API: key lifecycle", () => {
  let t: TestGateway;
  let now = Date.parse("2026-11-25T12:00:00Z");
  const call = (key: string, method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
    admin<Key>(t.gateway.server, key, method, path, body);
  const usage = (key: string) =>
    t.gateway.server.inject({
      method: "GET",
      url: "/v1/usage?start_time=0",
      headers: { authorization: `Bearer ${key}` },
    });

  beforeAll(async () => {
    t = await startTestGateway({ extraYaml: adminYaml(), gateway: { clock: () => now } });
  });
  afterAll(() => t.close());

  it("creates a key whose secret is shown once, and lists it by prefix, never by hash", async () => {
    const created = await call(A, "POST", BASE, { name: "ci", scopes: ["inference"] });
    expect(created.status).toBe(201);
    const secret = created.body.key!;
    expect(secret).toMatch(/^tg_/);
    expect(secret.startsWith(created.body.prefix)).toBe(true);
    expect(await chat(t.gateway.server, secret)).toEqual({ status: 200, code: null });
    // scopes: this key may not read usage
    expect((await usage(secret)).statusCode).toBe(403);

    const list = await admin<{ data: Key[] }>(t.gateway.server, A, "GET", BASE);
    const listed = list.body.data.find((k) => k.id === created.body.id)!;
    keyView.parse(listed);
    expect(listed).toMatchObject({ state: "active", scopes: ["inference"] });
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toMatch(/[0-9a-f]{64}/); // no hashes
    // last use is written in the background, within a few seconds
    let lastUsed: string | null = null;
    await eventually(
      () => lastUsed !== null,
      10_000,
      async () => {
        lastUsed = (await call(A, "GET", `${BASE}/${created.body.id}`)).body.last_used_at;
      },
    );
  });

  it("enforces a key's own models and limits, and lets them change", async () => {
    const created = await call(A, "POST", BASE, {
      models_allowed: ["llama-3.1-8b"],
      rate_limits: { requests_per_minute: 1 },
    });
    const secret = created.body.key!;
    expect(await chat(t.gateway.server, secret, "llama-3.1-70b")).toEqual({
      status: 403,
      code: "model_not_allowed",
    });
    expect(await chat(t.gateway.server, secret)).toEqual({ status: 200, code: null });
    expect(await chat(t.gateway.server, secret)).toEqual({ status: 429, code: "rate_limit_exceeded" });
    const patched = await call(A, "PATCH", `${BASE}/${created.body.id}`, {
      models_allowed: null,
      rate_limits: null,
    });
    expect(patched.status).toBe(200);
    expect(await chat(t.gateway.server, secret, "llama-3.1-70b")).toEqual({ status: 200, code: null });
    const stray = await call(A, "POST", BASE, { models_allowed: ["nomic-embed-text", "gpt-9"] });
    expect(stray.status).toBe(400);
  });

  it("expires a key at its expiry", async () => {
    const created = await call(A, "POST", BASE, { expires_in_seconds: 60 });
    expect(created.body.expires_at).toBe(new Date(now + 60_000).toISOString());
    expect((await chat(t.gateway.server, created.body.key!)).status).toBe(200);
    now += 61_000;
    expect(await chat(t.gateway.server, created.body.key!)).toEqual({ status: 401, code: "invalid_api_key" });
    expect((await call(A, "GET", `${BASE}/${created.body.id}`)).body.state).toBe("expired");
  });

  it("rotates with a grace period: old and new both work until it ends, then only the new one", async () => {
    const old = await call(A, "POST", BASE, { name: "svc", scopes: ["inference"] });
    const rotated = await call(A, "POST", `${BASE}/${old.body.id}/rotate`, { grace_seconds: 600 });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ scopes: ["inference"], state: "active" });
    expect(rotated.body.previous).toMatchObject({ id: old.body.id, state: "rotating" });
    expect(rotated.body.key).not.toBe(old.body.key);
    now += 300_000;
    expect((await chat(t.gateway.server, old.body.key!)).status).toBe(200);
    expect((await chat(t.gateway.server, rotated.body.key!)).status).toBe(200);
    now += 301_000;
    expect(await chat(t.gateway.server, old.body.key!)).toEqual({ status: 401, code: "invalid_api_key" });
    expect((await chat(t.gateway.server, rotated.body.key!)).status).toBe(200);
    // a key already being rotated cannot be rotated again
    expect((await call(A, "POST", `${BASE}/${old.body.id}/rotate`, {})).status).toBe(409);
  });

  it("revokes at once; a revocation also ends a grace period", async () => {
    const k = await call(A, "POST", BASE, {});
    expect((await chat(t.gateway.server, k.body.key!)).status).toBe(200);
    const r = await call(A, "POST", `${BASE}/${k.body.id}/revoke`);
    expect(r.body).toMatchObject({ state: "revoked" });
    expect(await chat(t.gateway.server, k.body.key!)).toEqual({ status: 401, code: "invalid_api_key" });

    const old = await call(A, "POST", BASE, {});
    await call(A, "POST", `${BASE}/${old.body.id}/rotate`, { grace_seconds: 3600 });
    expect((await chat(t.gateway.server, old.body.key!)).status).toBe(200);
    await call(A, "POST", `${BASE}/${old.body.id}/revoke`, { reason: "leaked" });
    expect((await chat(t.gateway.server, old.body.key!)).status).toBe(401);
  });

  it("lets a viewer read keys but not make them, and hides another tenant's keys", async () => {
    expect((await call(ADMIN_KEYS.acmeViewer, "GET", BASE)).status).toBe(200);
    expect((await call(ADMIN_KEYS.acmeViewer, "POST", BASE, {})).status).toBe(403);
    const theirs = await call(ADMIN_KEYS.startupAdmin, "POST", "/tenants/startup-xyz/keys", {});
    // another tenant's key under one's own tenant: 404, exactly like a missing one
    const probe = await call(A, "GET", `${BASE}/${theirs.body.id}`);
    const missing = await call(A, "GET", `${BASE}/key_doesnotexist`);
    expect(probe.status).toBe(404);
    expect(probe.text.replace(theirs.body.id, "X")).toBe(missing.text.replace("key_doesnotexist", "X"));
  });
});
