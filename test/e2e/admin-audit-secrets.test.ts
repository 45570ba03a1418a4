import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { modelSchema } from "../../src/config/schema.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";

const ADMIN = {
  root: "tga_root_admin_key_for_tests",
  acme: "tga_acme_admin_key_for_tests",
  viewer: "tga_acme_viewer_key_for_tests",
  startup: "tga_startup_admin_key_for_tests",
};
const VALUE = `sk-acme-${randomBytes(8).toString("hex")}`;

// The admin API's side of the audit trail and of provider secrets, with its RBAC rules.
describe("admin API: /audit and /tenants/{tenant}/secrets", () => {
  let t: TestGateway;
  let dir: string;
  const bodies: string[] = [];

  const call = async (who: keyof typeof ADMIN, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.url}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN[who]}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  const code = (r: { body: Record<string, unknown> }) => (r.body.error as { code: string } | undefined)?.code;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-admin-secrets-"));
    writeFileSync(join(dir, "kek"), `k1:${randomBytes(32).toString("base64")}`);
    const key = (k: string, role: string, tenant?: string) =>
      `    - { sha256: ${hashApiKey(k)}, role: ${role}${tenant ? `, tenant: ${tenant}` : ""}, name: ${role}-${tenant ?? "all"} }`;
    t = await startTestGateway({
      extraYaml: [
        "admin:",
        "  api_keys:",
        key(ADMIN.root, "platform_admin"),
        key(ADMIN.acme, "tenant_admin", "acme-corp"),
        key(ADMIN.viewer, "tenant_viewer", "acme-corp"),
        key(ADMIN.startup, "tenant_admin", "startup-xyz"),
      ].join("\n"),
      mutate: (c) => {
        c.secrets.kek_file = join(dir, "kek");
        c.models["byok-8b"] = modelSchema.parse({
          served_model: "meta-llama/Llama-3.1-8B-Instruct",
          upstreams: [c.models["llama-3.1-8b"]!.upstreams[0]],
          pricing: "free",
          upstream_auth: { tenant_secret: "openai", header: "x-api-key", scheme: "" },
        });
        c.tenants["acme-corp"]!.models_allowed.push("byok-8b");
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sets a secret (write-only) that the tenant's requests then use", async () => {
    const first = await call("acme", "PUT", "/tenants/acme-corp/secrets/openai", { value: VALUE });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: "openai", key_id: "k1", created: true });
    const again = await call("acme", "PUT", "/tenants/acme-corp/secrets/openai", { value: VALUE });
    expect(again.body).toMatchObject({ created: false });
    const list = await call("acme", "GET", "/tenants/acme-corp/secrets");
    expect(list.body).toEqual({
      object: "list",
      data: [
        { name: "openai", key_id: "k1", created_at: expect.any(String), updated_at: expect.any(String) },
      ],
    });
    const res = await t.client(await t.key("acme-corp")).chat.completions.create({
      model: "byok-8b",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 2,
    });
    expect(res.choices).toHaveLength(1);
    expect(t.sim.received().at(-1)!.headers["x-api-key"]).toBe(VALUE);
  });

  it("applies RBAC: other tenants answer 404, roles without secrets:write 403, bad input 400", async () => {
    expect((await call("startup", "GET", "/tenants/acme-corp/secrets")).status).toBe(404);
    expect((await call("startup", "PUT", "/tenants/acme-corp/secrets/openai", { value: "x" })).status).toBe(
      404,
    );
    expect((await call("root", "GET", "/tenants/no-such-tenant/secrets")).status).toBe(404);
    const viewer = await call("viewer", "GET", "/tenants/acme-corp/secrets");
    expect([viewer.status, code(viewer)]).toEqual([403, "permission_denied"]);
    const bad = await call("acme", "PUT", "/tenants/acme-corp/secrets/openai", { value: "two\nlines" });
    expect([bad.status, code(bad)]).toEqual([400, "invalid_request"]);
    expect((await call("acme", "PUT", "/tenants/acme-corp/secrets/bad%20name", { value: "x" })).status).toBe(
      400,
    );
    expect((await call("acme", "DELETE", "/tenants/acme-corp/secrets/nope")).status).toBe(404);
    expect(
      (await call("root", "PUT", "/tenants/startup-xyz/secrets/tmp", { value: "sk-startup" })).status,
    ).toBe(200);
    expect((await call("startup", "DELETE", "/tenants/startup-xyz/secrets/tmp")).body).toEqual({
      name: "tmp",
      deleted: true,
    });
  });

  it("answers audit queries: platform admins everything, tenant admins their tenant only", async () => {
    await t.gateway.audit.flush(5000);
    await t.gateway.ledger.flush(5000); // inference records are written with the usage events
    const all = await call("root", "GET", "/audit?action=secret.*&limit=100");
    const records = all.body.data as { action: string; tenant: string; actor: string; source_ip: string }[];
    expect(records.map((r) => `${r.tenant}:${r.action}`)).toEqual([
      "startup-xyz:secret.delete",
      "startup-xyz:secret.set",
      "acme-corp:secret.set",
      "acme-corp:secret.set",
    ]);
    expect(records[0]).toMatchObject({
      actor: "admin-key:cfg_tenant_admin-startup-xyz",
      source_ip: "127.0.0.1",
    });
    const own = await call("acme", "GET", "/audit?limit=1000");
    const tenants = new Set((own.body.data as { tenant: string }[]).map((r) => r.tenant));
    expect(tenants).toEqual(new Set(["acme-corp"]));
    expect((own.body.data as { action: string }[]).some((r) => r.action === "inference")).toBe(true);
    expect((await call("acme", "GET", "/audit?tenant=startup-xyz")).status).toBe(404);
    expect((await call("startup", "GET", "/tenants/acme-corp/audit")).status).toBe(404);
    expect((await call("viewer", "GET", "/audit")).status).toBe(403);
    const scoped = await call(
      "acme",
      "GET",
      "/tenants/acme-corp/audit?actor=admin-key:cfg_tenant_admin-acme-corp",
    );
    expect((scoped.body.data as unknown[]).length).toBe(2);
  });

  it("pages with a cursor and refuses a forged one", async () => {
    const seen = new Set<string>();
    let path = "/audit?limit=2";
    for (let i = 0; i < 50; i++) {
      const page = await call("root", "GET", path);
      for (const r of page.body.data as { chain: string; seq: number }[]) seen.add(`${r.chain}/${r.seq}`);
      if (page.body.next_cursor === null) break;
      path = `/audit?limit=2&cursor=${page.body.next_cursor as string}`;
    }
    const total = await call("root", "GET", "/audit?limit=1000");
    expect(seen.size).toBe((total.body.data as unknown[]).length);
    expect((await call("root", "GET", "/audit?cursor=bm90LWEtY3Vyc29y")).status).toBe(400);
  });

  it("documents its routes and never returns a secret value anywhere", async () => {
    const doc = (await call("root", "GET", "/openapi.json")).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/audit", "/tenants/{tenant}/audit", "/tenants/{tenant}/secrets/{name}"]),
    );
    for (const text of bodies) expect(text).not.toContain(VALUE);
  });
});
