import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, parseKeyring, sealedKeyId } from "../../src/secrets/envelope.js";

const k = () => randomBytes(32).toString("base64");

describe("provider secrets envelope", () => {
  it("round-trips, never contains the plaintext, and binds the tenant", () => {
    const ring = parseKeyring(`k1:${k()}`);
    const sealed = encryptSecret(ring, "acme", "sk-live-provider-key");
    expect(sealed).not.toContain("sk-live");
    expect(decryptSecret(ring, "acme", sealed)).toBe("sk-live-provider-key");
    expect(() => decryptSecret(ring, "other-tenant", sealed)).toThrow();
    expect(encryptSecret(ring, "acme", "same")).not.toBe(encryptSecret(ring, "acme", "same"));
  });

  it("rotates keys: new secrets use the first key, old ones still decrypt", () => {
    const old = k();
    const before = parseKeyring(`k1:${old}`);
    const sealed = encryptSecret(before, "acme", "v");
    const after = parseKeyring(`k2:${k()},k1:${old}`);
    expect(decryptSecret(after, "acme", sealed)).toBe("v");
    expect(sealedKeyId(encryptSecret(after, "acme", "v"))).toBe("k2");
  });

  it("detects tampering and rejects bad keyrings", () => {
    const ring = parseKeyring(`k1:${k()}`);
    const sealed = encryptSecret(ring, "acme", "value");
    const parts = sealed.split(".");
    // flip the ciphertext's first byte (writing fixed characters over it was a no-op 1 time in 4,096)
    const ct = Buffer.from(parts[4]!, "base64url");
    ct[0] = ct[0]! ^ 0xff;
    parts[4] = ct.toString("base64url");
    expect(() => decryptSecret(ring, "acme", parts.join("."))).toThrow();
    expect(() => parseKeyring("k1:c2hvcnQ=")).toThrow(/32 bytes/);
    expect(() => parseKeyring("")).toThrow();
  });
});
