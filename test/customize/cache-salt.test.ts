import { describe, expect, it } from "vitest";
import { CacheSalts } from "../../src/customize/cache-salt.js";

describe("cache salts", () => {
  it("are stable per tenant for one secret, differ across tenants, users and secrets, and are absent when shared", () => {
    const s = new CacheSalts("a-shared-secret-of-some-length");
    const a = s.salt("acme", "tenant", null);
    expect(s.salt("acme", "tenant", "bob")).toBe(a);
    expect(new CacheSalts("a-shared-secret-of-some-length").salt("acme", "tenant", null)).toBe(a);
    expect(s.salt("other", "tenant", null)).not.toBe(a);
    expect(new CacheSalts("another-secret-entirely-here").salt("acme", "tenant", null)).not.toBe(a);
    const alice = s.salt("acme", "user", "alice");
    expect(alice).not.toBe(a);
    expect(s.salt("acme", "user", "bob")).not.toBe(alice);
    expect(s.salt("acme", "shared", "alice")).toBeNull();
  });
});
