import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { postgresAvailable, throwawayDatabase, throwawayRole } from "../helpers/postgres.js";
import { spawnGateway, type GatewayProcess } from "../helpers/processes.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "../helpers/redis.js";

const ADMIN = "replica-test-platform-admin";
/** The requirement: a change made on one replica is in effect on every replica within a second. */
const WITHIN_MS = 1000;

// Two gateway processes share one PostgreSQL database (as a non-owner role, under RLS) and Redis.
describe.skipIf(!postgresAvailable || !redisAvailable)(
  "control plane across two replicas (PostgreSQL + Redis)",
  () => {
    const prefix = `tgcp:${randomBytes(4).toString("hex")}:`;
    let dir: string;
    let sim: RunningSim;
    let gateways: GatewayProcess[] = [];
    let cleanup: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "tollgate-cp-"));
      sim = await startSimulator({ models: ["llama-3.1-8b"] });
      const db = await throwawayDatabase();
      const role = await throwawayRole(db.url);
      cleanup = [db.drop, role.drop];
      for (const name of ["one", "two"]) {
        const file = join(dir, `${name}.yaml`);
        writeFileSync(
          file,
          `
storage: ${role.url}
storage_admin: ${db.url}
log: { level: warn }
usage: { journal: { dir: ${join(dir, name, "journal")} } }
limits: { store: "${REDIS_URL}", key_prefix: "${prefix}", replicas: 2 }
admin: { api_keys: [{ sha256: ${hashApiKey(ADMIN)}, role: platform_admin }] }
models:
  llama-3.1-8b:
    upstreams: ["${sim.url}"]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 }
tenants:
  base: { tier: free, models_allowed: [llama-3.1-8b] }
`,
        );
        gateways.push(await spawnGateway(file));
      }
    });

    afterAll(async () => {
      await Promise.all(gateways.map((g) => g.stop()));
      gateways = [];
      await sim?.close();
      for (const c of cleanup) await c(); // the database first: the role has grants in it
      rmSync(dir, { recursive: true, force: true });
      await deleteKeys(REDIS_URL, `${prefix}*`);
    });

    const adminCall = async (i: number, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateways[i]!.url}/admin/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const chat = async (i: number, key: string) =>
      (
        await fetch(`${gateways[i]!.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: "llama-3.1-8b",
            messages: [{ role: "user", content: "hi" }],
            max_tokens: 4,
          }),
        })
      ).status;

    /** Polls both replicas until each answers `status`; returns how long that took (ms). */
    async function untilBoth(key: string, status: number, bound = 5000): Promise<number> {
      const start = Date.now();
      const seen = [false, false];
      while (!seen.every(Boolean)) {
        for (const i of [0, 1]) if (!seen[i]) seen[i] = (await chat(i, key)) === status;
        if (Date.now() - start > bound)
          throw new Error(`not ${status} on both replicas after ${bound} ms: ${String(seen)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return Date.now() - start;
    }

    it("serves a tenant created on one replica from both within a second", async () => {
      const created = await adminCall(0, "POST", "/tenants", {
        id: "fresh",
        tier: "standard",
        models_allowed: ["llama-3.1-8b"],
      });
      expect(created.status).toBe(201);
      const key = await adminCall(0, "POST", "/tenants/fresh/keys", { name: "replicas" });
      expect(await untilBoth(key.body.key as string, 200)).toBeLessThanOrEqual(WITHIN_MS);
    });

    it("refuses a revoked key on both replicas within a second, cached lookups included", async () => {
      const key = await adminCall(0, "POST", "/tenants/base/keys", {});
      const secret = key.body.key as string;
      await untilBoth(secret, 200); // both replicas now hold the key in their lookup cache
      expect((await adminCall(1, "POST", `/tenants/base/keys/${key.body.id as string}/revoke`)).status).toBe(
        200,
      );
      expect(await untilBoth(secret, 401)).toBeLessThanOrEqual(WITHIN_MS);
    });

    it("refuses a suspended tenant's keys on both replicas within a second (403), and takes them back on resume", async () => {
      const secret = (await adminCall(0, "POST", "/tenants/base/keys", {})).body.key as string;
      await untilBoth(secret, 200);
      expect((await adminCall(1, "POST", "/tenants/base/suspend")).body).toMatchObject({
        status: "suspended",
      });
      expect(await untilBoth(secret, 403)).toBeLessThanOrEqual(WITHIN_MS);
      await adminCall(0, "POST", "/tenants/base/resume");
      expect(await untilBoth(secret, 200)).toBeLessThanOrEqual(WITHIN_MS);
    });

    it("stops a deleted tenant's keys on both replicas", async () => {
      const secret = (await adminCall(1, "POST", "/tenants/fresh/keys", {})).body.key as string;
      await untilBoth(secret, 200);
      expect((await adminCall(0, "DELETE", "/tenants/fresh")).status).toBe(200);
      expect(await untilBoth(secret, 401)).toBeLessThanOrEqual(WITHIN_MS);
    });
  },
);
