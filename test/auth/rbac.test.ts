import { describe, expect, it } from "vitest";
import { can, canSeeTenant, type Actor } from "../../src/auth/rbac.js";

const actor = (role: Actor["role"], tenant: string | null = "acme"): Actor => ({ id: "t", role, tenant });

describe("RBAC", () => {
  it("gives each role its permissions", () => {
    expect(can(actor("platform_admin", null), "tenants:create")).toBe(true);
    expect(can(actor("tenant_admin"), "keys:write")).toBe(true);
    expect(can(actor("tenant_admin"), "tenants:update_commercial")).toBe(false);
    expect(can(actor("tenant_admin"), "tenants:create")).toBe(false);
    expect(can(actor("tenant_viewer"), "keys:write")).toBe(false);
    expect(can(actor("tenant_viewer"), "usage:read")).toBe(true);
    expect(can(actor("billing"), "invoices:read")).toBe(true);
    expect(can(actor("billing"), "keys:read")).toBe(false);
  });

  it("confines tenant-bound roles to their tenant", () => {
    expect(canSeeTenant(actor("tenant_admin"), "acme")).toBe(true);
    expect(canSeeTenant(actor("tenant_admin"), "other")).toBe(false);
    expect(canSeeTenant(actor("platform_admin", null), "other")).toBe(true);
  });
});
