import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Actor, Permission } from "../../auth/rbac.js";
import type { StoredTenant } from "../../store/tenant-port.js";
import type { AuditActor } from "../../tenancy/admin-audit.js";
import type { AdminDeps } from "./admin-deps.js";

/** Everything a handler gets: the caller, the visible tenant of `{tenant}` routes, parsed input. */
export interface RouteContext<Q = unknown, B = unknown> {
  readonly deps: AdminDeps;
  readonly actor: Actor;
  /** The actor as the audit trail records it (with the source IP). */
  readonly who: AuditActor;
  readonly params: Readonly<Record<string, string>>;
  /** Routes under /tenants/{tenant}: that tenant (live, and visible to the actor). */
  readonly tenant: StoredTenant;
  readonly query: Q;
  readonly body: B;
  readonly now: Date;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/**
 * One admin route: its path (OpenAPI style, `{name}` parameters), the permission it needs, its
 * input and output schemas, and the handler. The same table registers the Fastify routes, builds
 * the OpenAPI document and drives the RBAC matrix test.
 */
export interface AdminRoute<Q = unknown, B = unknown> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** null: any authenticated caller. */
  readonly permission: Permission | null;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  readonly response: z.ZodType;
  /** Success status (default 200). */
  readonly status?: number;
  /** Responses in another media type (e.g. CSV) besides JSON. */
  readonly produces?: readonly string[];
  handler(ctx: RouteContext<Q, B>): Promise<unknown>;
}

export type AnyRoute = AdminRoute<unknown, unknown>;

/** Erases a route's input types so that routes of different shapes share one table. */
export const route = <Q, B>(r: AdminRoute<Q, B>): AnyRoute => r;

/** After a write: this replica's tenant directory and key cache catch up at once (others within a second). */
export const settled = async (ctx: RouteContext): Promise<void> => {
  await ctx.deps.directory.refresh().catch(() => undefined);
};
