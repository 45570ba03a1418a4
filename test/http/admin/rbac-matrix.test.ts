import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../../src/auth/rbac.js";
import { admin, ADMIN_KEYS, adminYaml } from "../../helpers/admin.js";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.js";
import { ALL, EXPECT, type Expectation, type Fixture, type Target } from "./rbac-expectations.js";

const OWN = "acme-corp";
const OTHER = "startup-xyz";
const MISSING = "no-such-tenant";
const KEYS: Record<Role, string> = {
  platform_admin: ADMIN_KEYS.platform,
  tenant_admin: ADMIN_KEYS.acmeAdmin,
  tenant_viewer: ADMIN_KEYS.acmeViewer,
  billing: ADMIN_KEYS.acmeBilling,
};
type Method = "GET" | "POST" | "PATCH" | "DELETE";

interface Case {
  readonly route: string;
  readonly role: Role;
  readonly target: Target;
}

/** What the caller must get: success, 403 (its role may not), or 404 (it may not see it, or it does not exist). */
function expected(route: string, e: Expectation, c: Case): "ok" | 403 | 404 {
  const allowed = e.allowed.includes(c.role);
  if (route.includes("{tenant}")) {
    if (c.target === "missing") return 404;
    if (c.target === "other") return c.role === "platform_admin" ? "ok" : 404;
    if (c.target === "own") return allowed ? "ok" : 403;
    return allowed ? 404 : 403; // another tenant's object, or none, under one's own tenant
  }
  if (!allowed) return 403;
  if (c.target === "missing") return 404;
  if (c.target === "other") return c.role === "platform_admin" ? "ok" : 404;
  return "ok";
}

function targets(route: string, e: Expectation): Target[] {
  if (route.includes("{tenant}"))
    return ["own", "other", "missing", ...(e.child ? (["foreign_child", "missing_child"] as const) : [])];
  return e.params === undefined ? ["none"] : ["own", "other", "missing"];
}

describe("RBAC matrix: every admin route × every role × own / other / missing", () => {
  let t: TestGateway;
  let fixture: Fixture;
  let served: string[] = [];
  const otherObjects = new Set<string>([OTHER]);

  beforeAll(async () => {
    const kek = join(tmpdir(), `tollgate-kek-${randomBytes(4).toString("hex")}`);
    writeFileSync(kek, `k1:${randomBytes(32).toString("base64")}`);
    t = await startTestGateway({ extraYaml: `${adminYaml()}\nsecrets: { kek_file: ${kek} }\n` });
    const platform = (method: string, path: string, body?: unknown) =>
      admin(t.gateway.server, ADMIN_KEYS.platform, method as Method, path, body);
    fixture = { gateway: t.gateway, platform };
    const doc = await admin<{ paths: Record<string, Record<string, unknown>> }>(
      t.gateway.server,
      null,
      "GET",
      "/openapi.json",
    );
    served = Object.entries(doc.body.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
  });
  afterAll(() => t.close());

  it("has an expectation for every route the gateway serves", () => {
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((r) => EXPECT[r] === undefined)).toEqual([]);
  });

  it("refuses every route without a credential (401)", async () => {
    for (const r of served) {
      const [method, path] = r.split(" ") as [Method, string];
      const res = await admin(t.gateway.server, null, method, path.replace(/\{(\w+)\}/g, "x"));
      expect(res.status, r).toBe(401);
      expect(res.body).toMatchObject({ error: { code: "invalid_api_key" } });
    }
  });

  it("answers each role as its permissions say, and leaks nothing of another tenant", async () => {
    const failures: string[] = [];
    for (const route of served) {
      const e = EXPECT[route]!;
      const [method, template] = route.split(" ") as [Method, string];
      for (const target of targets(route, e)) {
        for (const role of ALL) {
          const tenant = target === "other" ? OTHER : target === "missing" ? MISSING : OWN;
          const owner =
            target === "other" || target === "foreign_child"
              ? OTHER
              : target.startsWith("missing")
                ? null
                : OWN;
          const params =
            (await e.params?.(fixture, route.includes("{tenant}") && target === "missing" ? null : owner)) ??
            {};
          // objects made for the other tenant must never show up in a tenant-bound caller's answers
          const owned = e.child === true || !route.includes("{tenant}");
          if (owner === OTHER && owned) for (const v of Object.values(params)) otherObjects.add(v);
          const path = template.replace(/\{(\w+)\}/g, (_m, name: string) =>
            name === "tenant" ? tenant : params[name]!,
          );
          const res = await admin(
            t.gateway.server,
            KEYS[role],
            method,
            path,
            e.body?.(role === "platform_admin" ? tenant : OWN),
          );
          const want = expected(route, e, { route, role, target });
          const label = `${role} ${method} ${path} (${target})`;
          const ok = want === "ok" ? res.status >= 200 && res.status < 300 : res.status === want;
          if (!ok) failures.push(`${label}: ${res.status}, expected ${want} — ${res.text.slice(0, 200)}`);
          if (want !== "ok") {
            expect(Object.keys(res.body ?? {}), label).toEqual(["error"]);
            const code = want === 404 ? "resource_not_found" : "permission_denied";
            if (ok) expect((res.body as { error: { code: string } }).error.code, label).toBe(code);
          }
          if (role !== "platform_admin") {
            for (const secret of otherObjects) {
              if (!path.includes(secret) && res.text.includes(secret))
                failures.push(`${label}: leaks "${secret}"`);
            }
          }
          if (want === "ok" && res.status < 300) await e.restore?.(fixture, tenant);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
