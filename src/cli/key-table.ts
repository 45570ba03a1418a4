/** How the CLI shows API keys: a table row, and a created key (its secret, once). */

export interface KeyView {
  id: string;
  key?: string;
  prefix: string;
  name: string | null;
  state: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  scopes: string[];
  tenant: string;
}

export const HEADER = ["id", "prefix", "name", "state", "created", "last_used", "expires", "scopes"];
const day = (s: string | null) => (s === null ? "-" : s.replace("T", " ").slice(0, 16));
export const row = (k: KeyView) => [
  k.id,
  `${k.prefix}…`,
  k.name ?? "-",
  k.state === "rotating" ? `rotating (until ${day(k.revoked_at)})` : k.state,
  day(k.created_at),
  day(k.last_used_at),
  day(k.expires_at),
  k.scopes.join(","),
];

export function printCreated(k: KeyView, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify({ ...k, expires_at: k.expires_at }));
    return;
  }
  console.log(
    `created key ${k.id} for tenant ${k.tenant}${k.expires_at ? ` (expires ${k.expires_at})` : ""}`,
  );
  console.log(`  ${k.key}`);
  console.log("This is the only time the key is shown: store it now.");
}
