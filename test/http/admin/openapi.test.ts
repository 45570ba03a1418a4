import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRouteTable } from "../../../src/http/admin/admin-routes.js";
import { admin, ADMIN_KEYS, adminYaml } from "../../helpers/admin.js";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.js";

interface Doc {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
      }
    >
  >;
}

describe("admin API OpenAPI document", () => {
  let t: TestGateway;
  let doc: Doc;

  beforeAll(async () => {
    t = await startTestGateway({ extraYaml: adminYaml() });
    doc = (await admin<Doc>(t.gateway.server, null, "GET", "/openapi.json")).body;
  });
  afterAll(() => t.close());

  it("is OpenAPI 3.1 with one operation per route, bodies generated from the zod schemas", () => {
    expect(doc.openapi).toBe("3.1.0");
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    for (const r of adminRouteTable())
      expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    const create = doc.paths["/tenants"]!.post!.requestBody!.content["application/json"]!.schema;
    expect(Object.keys(create.properties ?? {})).toEqual(
      expect.arrayContaining(["id", "tier", "models_allowed", "rate_limits", "budget"]),
    );
  });

  it("describes what the routes answer: each GET's response parses with its own schema", async () => {
    await admin(t.gateway.server, ADMIN_KEYS.platform, "POST", "/tenants/acme-corp/keys", { name: "doc" });
    for (const r of adminRouteTable().filter((x) => x.method === "GET")) {
      const keys = await t.gateway.store.keys.listByTenant("acme-corp");
      const path = r.path
        .replace("{tenant}", "acme-corp")
        .replace("{key}", keys[0]!.id)
        .replace("{month}", "2026-11");
      const res = await admin(t.gateway.server, ADMIN_KEYS.platform, "GET", path);
      expect(res.status, path).toBe(200);
      const parsed = r.response.safeParse(res.body);
      expect(parsed.success, `${path}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });
});
