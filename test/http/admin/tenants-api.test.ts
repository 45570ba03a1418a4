import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.js";
import { admin, ADMIN_KEYS, adminYaml, chat } from "../../helpers/admin.js";

const P = ADMIN_KEYS.platform;

interface Tenant {
  id: string;
  status: string;
  managed_by: string;
  spec: Record<string, unknown>;
}

describe("admin API: tenants", () => {
  let t: TestGateway;
  const call = <T = Tenant>(
    key: string | null,
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
  ) => admin<T>(t.gateway.server, key, method, path, body);

  beforeAll(async () => {
    t = await startTestGateway({ extraYaml: adminYaml() });
  });
  afterAll(() => t.close());

  it("lists the config's tenants (applied into the store) and refuses a caller without a credential", async () => {
    const list = await call<{ data: Tenant[] }>(P, "GET", "/tenants");
    expect(list.status).toBe(200);
    expect(list.body.data.map((x) => [x.id, x.managed_by, x.status])).toEqual([
      ["acme-corp", "config", "active"],
      ["internal-dev", "config", "active"],
      ["startup-xyz", "config", "active"],
    ]);
    expect((await call(null, "GET", "/tenants")).status).toBe(401);
    expect((await call("nonsense", "GET", "/tenants")).body).toMatchObject({
      error: { code: "invalid_api_key" },
    });
    const mine = await call<{ data: Tenant[] }>(ADMIN_KEYS.acmeViewer, "GET", "/tenants");
    expect(mine.body.data.map((x) => x.id)).toEqual(["acme-corp"]);
  });

  it("creates a tenant that serves at once, validates it against the models, and refuses a duplicate", async () => {
    const created = await call(P, "POST", "/tenants", {
      id: "newco",
      tier: "standard",
      models_allowed: ["llama-3.1-8b"],
      rate_limits: { requests_per_minute: 100 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "newco", managed_by: "api", status: "active" });
    expect(created.body.spec).toMatchObject({ priority: "medium", budget: { alert_threshold_percent: 80 } });
    const key = await t.key("newco");
    expect(await chat(t.gateway.server, key)).toEqual({ status: 200, code: null });
    expect(await chat(t.gateway.server, key, "llama-3.1-70b")).toEqual({
      status: 403,
      code: "model_not_allowed",
    });

    const dup = await call(P, "POST", "/tenants", {
      id: "newco",
      tier: "x",
      models_allowed: ["llama-3.1-8b"],
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: { code: "conflict", param: "id" } });
    const bad = await call(P, "POST", "/tenants", { id: "badco", tier: "x", models_allowed: ["gpt-9"] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "invalid_request", param: "models_allowed.0" } });
    const typo = await call(P, "POST", "/tenants", {
      id: "badco",
      tier: "x",
      models_allowed: ["llama-3.1-8b"],
      tierr: 1,
    });
    expect(typo.status).toBe(400);
  });

  it("lets a tenant admin change its prompts but not its tier, limits, budgets or prices", async () => {
    const A = ADMIN_KEYS.acmeAdmin;
    const prompt = [{ id: "tone", template: "Be brief, {{tenant}}." }];
    const ok = await call(A, "PATCH", "/tenants/acme-corp", { system_prompts: prompt });
    expect(ok.status).toBe(200);
    expect(ok.body.spec.system_prompts).toEqual([
      { id: "tone", template: "Be brief, {{tenant}}.", policy: "prepend" },
    ]);
    for (const field of [
      { tier: "platinum" },
      { rate_limits: { requests_per_minute: 100000 } },
      { budget: { daily_limit_usd: 1e6 } },
      { pricing_overrides: { "*": { discount_percent: 100 } } },
      { models_allowed: ["llama-3.1-8b"] },
    ]) {
      const r = await call(A, "PATCH", "/tenants/acme-corp", field);
      expect(r.status, JSON.stringify(field)).toBe(403);
      expect(r.body).toMatchObject({ error: { code: "permission_denied", param: Object.keys(field)[0] } });
    }
    // resending a commercial field unchanged is not a change
    expect((await call(A, "PATCH", "/tenants/acme-corp", { tier: "enterprise" })).status).toBe(200);
    const after = await call(P, "GET", "/tenants/acme-corp");
    expect(after.body.spec.tier).toBe("enterprise");
    // each change is in the audit trail: who, what, on which object, before and after, from where
    await t.gateway.audit.flush();
    const [last] = await t.gateway.store.audit.query({
      tenant: "acme-corp",
      action: "tenant.update",
      limit: 1,
    });
    expect(last).toMatchObject({
      actor: "admin-key:cfg_1",
      action: "tenant.update",
      target: "tenant:acme-corp",
      sourceIp: "127.0.0.1",
      data: { before: { tier: "enterprise" }, after: { tier: "enterprise" } },
    });
    const refused = await t.gateway.store.audit.query({ tenant: "acme-corp", action: "tenant.update" });
    expect(refused.every((r) => (r.data.after as { tier: string }).tier === "enterprise")).toBe(true);
  });

  it("applies a platform admin's change to models on the next request", async () => {
    const key = await t.key("internal-dev");
    expect(await chat(t.gateway.server, key, "llama-3.1-70b")).toMatchObject({ status: 403 });
    const r = await call(P, "PATCH", "/tenants/internal-dev", {
      models_allowed: ["llama-3.1-8b", "llama-3.1-70b"],
    });
    expect(r.status).toBe(200);
    expect(await chat(t.gateway.server, key, "llama-3.1-70b")).toEqual({ status: 200, code: null });
  });

  it("suspends (403 tenant_suspended), resumes, and deletes (keys refused, object gone)", async () => {
    const key = await t.key("startup-xyz");
    const s = await call(P, "POST", "/tenants/startup-xyz/suspend");
    expect(s.body).toMatchObject({ status: "suspended" });
    expect(await chat(t.gateway.server, key)).toEqual({ status: 403, code: "tenant_suspended" });
    await call(P, "POST", "/tenants/startup-xyz/resume");
    expect(await chat(t.gateway.server, key)).toEqual({ status: 200, code: null });

    const d = await call(P, "DELETE", "/tenants/newco");
    expect(d.body).toEqual({ id: "newco", deleted: true });
    expect((await call(P, "GET", "/tenants/newco")).status).toBe(404);
    const keys = await t.gateway.store.keys.listByTenant("newco");
    expect(keys.every((k) => k.revokedAt !== null)).toBe(true);
    const again = await call(P, "POST", "/tenants", {
      id: "newco",
      tier: "free",
      models_allowed: ["llama-3.1-8b"],
    });
    expect(again.status).toBe(201);
  });
});
