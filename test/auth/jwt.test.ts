import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwtVerifier, looksLikeJwt } from "../../src/auth/jwt-verifier.js";
import { startHttpServer } from "../helpers/http-server.js";

const ISS = "https://idp.test/";
const AUD = "tollgate";

// A local JWKS server whose key set the tests rotate.
let server: Awaited<ReturnType<typeof startHttpServer>>;
let jwks: { keys: JWK[] } = { keys: [] };
let jwksUrl: string;
const keys: Record<string, { privateKey: CryptoKey; publicJwk: JWK }> = {};

async function addKey(kid: string, alg: "RS256" | "ES256" = "RS256") {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg };
  keys[kid] = { privateKey, publicJwk };
  return publicJwk;
}

function sign(
  kid: string,
  claims: Record<string, unknown>,
  opts: { iss?: string; aud?: string; exp?: string | number; alg?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? "RS256", kid })
    .setIssuer(opts.iss ?? ISS)
    .setAudience(opts.aud ?? AUD)
    .setSubject("user-123")
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? "5m")
    .sign(keys[kid]!.privateKey);
}

beforeAll(async () => {
  jwks = { keys: [await addKey("k1")] };
  server = await startHttpServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(jwks));
  });
  jwksUrl = `${server.url}/jwks.json`;
});
afterAll(() => server.close());

const verifier = () =>
  new JwtVerifier({
    issuer: ISS,
    audience: AUD,
    jwksUrl,
    algorithms: ["RS256"],
    claims: { tenant: "tenant_id", role: "roles", subject: "sub" },
    roleMap: { "tollgate-admins": "platform_admin" },
    clockToleranceSec: 0,
  });

describe("JWT / OIDC verification", () => {
  it("accepts a valid token and maps its claims", async () => {
    const token = await sign("k1", { tenant_id: "acme", roles: ["tenant_admin", "tollgate-admins", 7] });
    expect(looksLikeJwt(token)).toBe(true);
    expect(await verifier().verify(token)).toEqual({
      subject: "user-123",
      tenant: "acme",
      roles: ["tenant_admin", "platform_admin"],
    });
  });

  it("refuses a wrong issuer, a wrong audience and an expired token", async () => {
    const v = verifier();
    await expect(v.verify(await sign("k1", {}, { iss: "https://evil.test/" }))).rejects.toThrow(/iss/);
    await expect(v.verify(await sign("k1", {}, { aud: "someone-else" }))).rejects.toThrow(/aud/);
    await expect(v.verify(await sign("k1", {}, { exp: Math.floor(Date.now() / 1000) - 10 }))).rejects.toThrow(
      /exp/,
    );
  });

  it("refuses alg none and algorithms that are not pinned", async () => {
    const v = verifier();
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(
      JSON.stringify({ iss: ISS, aud: AUD, sub: "x", exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString("base64url");
    await expect(v.verify(`${header}.${body}.`)).rejects.toThrow();
    jwks = { keys: [...jwks.keys, await addKey("ec1", "ES256")] };
    await expect(v.verify(await sign("ec1", {}, { alg: "ES256" }))).rejects.toThrow(/alg/i);
  });

  it("refuses an unknown key id, and follows a key rotation", async () => {
    const v = verifier();
    await expect(v.verify(await sign("k1", {}))).resolves.toBeDefined();
    const k2 = await addKey("k2");
    await expect(v.verify(await sign("k2", {}))).rejects.toThrow(); // not published yet
    jwks = { keys: [k2] }; // rotated: k1 retired, k2 published
    await new Promise((r) => setTimeout(r, 1100)); // past the JWKS refetch cooldown
    await expect(v.verify(await sign("k2", {}))).resolves.toMatchObject({ subject: "user-123" });
    await new Promise((r) => setTimeout(r, 1100));
    await expect(v.verify(await sign("k1", {}))).rejects.toThrow();
  });
});
