import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, ADMIN_KEYS, adminYaml, chat } from "../../helpers/admin.js";
import { eventually, startTestGateway, type TestGateway } from "../../helpers/gateway.js";
import { startHttpServer } from "../../helpers/http-server.js";

const ISS = "https://idp.test/";
const AUD = "tollgate";

// A local IdP: a JWKS server whose keys the tests rotate.
let idp: Awaited<ReturnType<typeof startHttpServer>>;
let jwks: { keys: JWK[] } = { keys: [] };
const signers: Record<string, CryptoKey> = {};

async function addKey(kid: string): Promise<JWK> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  signers[kid] = privateKey;
  return { ...(await exportJWK(publicKey)), kid, alg: "RS256" };
}

function token(
  claims: Record<string, unknown>,
  o: { kid?: string; iss?: string; aud?: string; exp?: number | string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: o.kid ?? "k1" })
    .setIssuer(o.iss ?? ISS)
    .setAudience(o.aud ?? AUD)
    .setSubject("alice")
    .setIssuedAt()
    .setExpirationTime(o.exp ?? "5m")
    .sign(signers[o.kid ?? "k1"]!);
}

describe("OIDC: admin API and inference with JWTs from a local JWKS", () => {
  let t: TestGateway;
  const as = (jwt: string, method: "GET" | "POST", path: string, body?: unknown) =>
    admin(t.gateway.server, jwt, method, path, body);

  beforeAll(async () => {
    jwks = { keys: [await addKey("k1")] };
    idp = await startHttpServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(jwks));
    });
    const url = `${idp.url}/jwks.json`;
    t = await startTestGateway({
      extraYaml: `${adminYaml()}
auth:
  oidc:
    issuer: "${ISS}"
    audience: ${AUD}
    jwks_url: ${url}
    algorithms: [RS256]
    claims: { tenant: org, role: groups, subject: sub }
    role_map: { tollgate-admins: platform_admin, acme-ops: tenant_admin, acme-readers: tenant_viewer }
    inference: true
    clock_tolerance_seconds: 0
`,
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it("maps a platform group to platform_admin", async () => {
    const jwt = await token({ groups: ["tollgate-admins"] });
    expect((await as(jwt, "GET", "/me")).body).toEqual({
      actor: "jwt:alice",
      role: "platform_admin",
      tenant: null,
    });
    expect((await as(jwt, "GET", "/tenants")).status).toBe(200);
  });

  it("binds a tenant role to the tenant claim: own tenant yes, another 404, writes by role", async () => {
    const ops = await token({ groups: ["acme-ops"], org: "acme-corp" });
    expect((await as(ops, "GET", "/tenants/acme-corp")).status).toBe(200);
    expect((await as(ops, "GET", "/tenants/startup-xyz")).status).toBe(404);
    expect((await as(ops, "POST", "/tenants/acme-corp/keys", {})).status).toBe(201);
    const reader = await token({ groups: ["acme-readers"], org: "acme-corp" });
    expect((await as(reader, "POST", "/tenants/acme-corp/keys", {})).status).toBe(403);
    // a tenant role without a tenant claim, and a token without any Tollgate role, are refused
    expect((await as(await token({ groups: ["acme-ops"] }), "GET", "/me")).status).toBe(401);
    expect((await as(await token({ groups: ["staff"], org: "acme-corp" }), "GET", "/me")).status).toBe(401);
  });

  it("refuses a wrong issuer, a wrong audience, an expired token, alg none and an unknown key", async () => {
    const claims = { groups: ["tollgate-admins"] };
    const bad = [
      await token(claims, { iss: "https://evil.test/" }),
      await token(claims, { aud: "other" }),
      await token(claims, { exp: Math.floor(Date.now() / 1000) - 5 }),
      new UnsecuredJWT(claims)
        .setIssuer(ISS)
        .setAudience(AUD)
        .setSubject("alice")
        .setExpirationTime("5m")
        .encode(),
    ];
    await addKey("stranger"); // signs, but its public key is not published
    bad.push(await token(claims, { kid: "stranger" }));
    for (const jwt of bad) {
      const r = await as(jwt, "GET", "/tenants");
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: "invalid_api_key" } });
    }
    expect((await chat(t.gateway.server, bad[0]!)).status).toBe(401);
  });

  it("follows the IdP's key rotation (an unknown kid refetches the key set)", async () => {
    jwks = { keys: [...jwks.keys, await addKey("k2")] };
    const jwt = await token({ groups: ["tollgate-admins"] }, { kid: "k2" });
    // the key set is refetched at most once a second (jose's cooldown)
    let status = 0;
    await eventually(
      () => status === 200,
      5000,
      async () => {
        status = (await as(jwt, "GET", "/me")).status;
      },
    );
  });

  it("authenticates inference with the tenant from the token, never from the request", async () => {
    const jwt = await token({ org: "acme-corp" });
    expect(await chat(t.gateway.server, jwt)).toEqual({ status: 200, code: null });
    const event = t.events.at(-1)!;
    expect(event).toMatchObject({ tenantId: "acme-corp", keyId: "jwt:alice", user: "alice" });
    const spoof = await t.gateway.server.inject({
      method: "POST",
      url: "/v1/chat/completions",
      headers: {
        authorization: `Bearer ${jwt}`,
        "x-tenant-id": "startup-xyz",
        "content-type": "application/json",
      },
      payload: { model: "llama-3.1-8b", messages: [{ role: "user", content: "hi" }] },
    });
    expect(spoof.statusCode).toBe(401);
    expect((await chat(t.gateway.server, await token({}))).status).toBe(401);
    await as(await token({ groups: ["tollgate-admins"] }), "POST", "/tenants/acme-corp/suspend");
    expect(await chat(t.gateway.server, jwt)).toEqual({ status: 403, code: "tenant_suspended" });
    await admin(t.gateway.server, ADMIN_KEYS.platform, "POST", "/tenants/acme-corp/resume");
    expect((await chat(t.gateway.server, jwt)).status).toBe(200);
  });
});
