import { z } from "zod";
import type { AnyRoute } from "./route.js";

const errorBody = z.strictObject({
  error: z.strictObject({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

type Json = Record<string, unknown>;

function schema(s: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Json;
  return rest;
}

function queryParameters(s: z.ZodType): Json[] {
  const js = schema(s, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, p]) => ({
    name,
    in: "query",
    required: js.required?.includes(name) ?? false,
    schema: p,
  }));
}

const ERRORS: Record<string, string> = {
  "400": "Invalid input (`invalid_request`, `invalid_json`).",
  "401": "Missing or invalid admin credential (`invalid_api_key`).",
  "403": "The caller's role may not do this (`permission_denied`).",
  "404": "No such object, or one the caller may not see (`resource_not_found`).",
  "409": "Already exists, already revoked, or changed meanwhile (`conflict`).",
};

const operationId = (r: AnyRoute): string =>
  r.method.toLowerCase() +
  r.path
    .split("/")
    .filter((p) => p !== "" && !p.startsWith("{"))
    .map((p) => p.replace(/(^|[-_.])(\w)/g, (_m, _s, c: string) => c.toUpperCase()))
    .join("") +
  (r.path.endsWith("}") ? "ById" : "");

/** The OpenAPI 3.1 document of the admin API, generated from the routes' zod schemas. */
export function openApiDocument(routes: readonly AnyRoute[]): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const content: Json = { "application/json": { schema: schema(r.response, "output") } };
    for (const type of r.produces ?? []) content[type] = { schema: { type: "string" } };
    const responses: Json = { [String(r.status ?? 200)]: { description: r.summary, content } };
    for (const [status, description] of Object.entries(ERRORS)) {
      responses[status] = {
        description,
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
    }
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = {
      operationId: operationId(r),
      summary: r.summary,
      tags: [r.tag],
      "x-tollgate-permission": r.permission,
      parameters: [...params, ...(r.query === undefined ? [] : queryParameters(r.query))],
      ...(r.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { "application/json": { schema: schema(r.body, "input") } },
            },
          }),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Tollgate admin API",
      version: "1",
      description:
        "Tenants, keys, usage, invoices and the model catalogue. Authenticate with an admin key or an OIDC token " +
        "(`Authorization: Bearer …`). Objects of a tenant the caller may not see answer 404, like missing ones.",
    },
    servers: [{ url: "/admin/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: schema(errorBody, "output") },
    },
    paths,
  };
}
