import { hash, randomInt, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * Tollgate key format: `tg_` + 32 random base62 characters + a 6-character base62 CRC32 checksum
 * (like GitHub's tokens): leaked keys are recognisable by scanners, and typos are rejected before
 * any lookup. Keys are stored only as their SHA-256.
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX = "tg_";
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const KEY_PATTERN = /^tg_[0-9A-Za-z]{38}$/;

function base62(n: number, width: number): string {
  let out = "";
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62(crc32(PREFIX + body), CHECKSUM_LENGTH);
}

export function generateApiKey(): string {
  let body = "";
  for (let i = 0; i < BODY_LENGTH; i++) body += ALPHABET[randomInt(62)];
  return PREFIX + body + checksum(body);
}

/** True for strings in Tollgate's own format whose checksum holds. */
export function isWellFormedTollgateKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  const body = key.slice(PREFIX.length, PREFIX.length + BODY_LENGTH);
  return checksum(body) === key.slice(PREFIX.length + BODY_LENGTH);
}

/** Keys that claim the Tollgate format (so a bad checksum can be refused without a lookup). */
export function looksLikeTollgateKey(key: string): boolean {
  return key.startsWith(PREFIX);
}

export function hashApiKey(key: string): string {
  return hash("sha256", key, "hex"); // one-shot: no Hash object per request
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The displayable part of a key (enough to recognise it in a list, useless to an attacker). */
export function keyDisplayPrefix(key: string): string {
  return key.slice(0, PREFIX.length + 6);
}
