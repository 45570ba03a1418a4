import type { FastifyInstance } from "fastify";
import { hashApiKey } from "../../src/auth/api-key-format.js";

/** Admin keys declared in the test config: one per role on acme-corp, a platform admin, startup's admin. */
export const ADMIN_KEYS = {
  platform: "admin-test-platform",
  acmeAdmin: "admin-test-acme-admin",
  acmeViewer: "admin-test-acme-viewer",
  acmeBilling: "admin-test-acme-billing",
  startupAdmin: "admin-test-startup-admin",
} as const;

/** The `admin:` section declaring ADMIN_KEYS by hash. */
export function adminYaml(): string {
  const k = (key: string, role: string, tenant?: string) =>
    `    - { sha256: ${hashApiKey(key)}, role: ${role}${tenant === undefined ? "" : `, tenant: ${tenant}`} }`;
  return [
    "admin:",
    "  api_keys:",
    k(ADMIN_KEYS.platform, "platform_admin"),
    k(ADMIN_KEYS.acmeAdmin, "tenant_admin", "acme-corp"),
    k(ADMIN_KEYS.acmeViewer, "tenant_viewer", "acme-corp"),
    k(ADMIN_KEYS.acmeBilling, "billing", "acme-corp"),
    k(ADMIN_KEYS.startupAdmin, "tenant_admin", "startup-xyz"),
    "",
  ].join("\n");
}

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
}

/** One admin API call through fastify.inject. */
export async function admin<T = Record<string, unknown>>(
  server: FastifyInstance,
  key: string | null,
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<Reply<T>> {
  const res = await server.inject({
    method,
    url: `/admin/v1${path}`,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  let parsed: unknown = null;
  try {
    parsed = res.json();
  } catch {
    parsed = null;
  }
  return { status: res.statusCode, body: parsed as T, text: res.body };
}

/** An inference call through fastify.inject: the status and error code. */
export async function chat(
  server: FastifyInstance,
  key: string,
  model = "llama-3.1-8b",
): Promise<{ status: number; code: string | null }> {
  const res = await server.inject({
    method: "POST",
    url: "/v1/chat/completions",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    payload: { model, messages: [{ role: "user", content: "hi" }], max_tokens: 4 },
  });
  const body = res.json<{ error?: { code: string } }>();
  return { status: res.statusCode, code: body.error?.code ?? null };
}
