import { adminKeyRoutes } from "./admin-keys-routes.js";
import { applyRoutes } from "./apply-route.js";
import { catalogRoutes } from "./catalog-routes.js";
import { keyLifecycleRoutes } from "./key-lifecycle-routes.js";
import { keyRoutes } from "./keys-routes.js";
import { route, type AnyRoute } from "./route.js";
import { meView } from "./schemas.js";
import { tenantStateRoutes } from "./tenant-state-routes.js";
import { tenantRoutes } from "./tenants-routes.js";
import { usageRoutes } from "./usage-routes.js";

const me = route({
  method: "GET",
  path: "/me",
  summary: "Who the caller is: actor, role and tenant",
  tag: "meta",
  permission: null,
  response: meView,
  handler: async ({ actor }) => ({ actor: actor.id, role: actor.role, tenant: actor.tenant }),
});

/**
 * Every admin route, in one table. Other parts of the gateway (e.g. the audit trail's
 * `/admin/v1/audit`) add theirs to this list: they get the same authentication, tenant visibility,
 * permission checks, catalogued errors and OpenAPI entry.
 */
export function adminRouteTable(extra: readonly AnyRoute[] = []): AnyRoute[] {
  return [
    me,
    ...tenantRoutes(),
    ...tenantStateRoutes(),
    ...keyRoutes(),
    ...keyLifecycleRoutes(),
    ...usageRoutes(),
    ...catalogRoutes(),
    ...adminKeyRoutes(),
    ...applyRoutes(),
    ...extra,
  ];
}
