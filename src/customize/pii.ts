/** PII detectors for guardrails: e-mail, phone, payment card (Luhn), IBAN (mod 97), secret-like tokens. */

export type PiiKind = "email" | "phone" | "card" | "iban" | "secret";

export interface PiiMatch {
  readonly kind: PiiKind;
  readonly index: number;
  readonly length: number;
}

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function ibanValid(raw: string): boolean {
  const iban = raw.replace(/\s+/g, "").toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

interface Detector {
  readonly kind: PiiKind;
  readonly pattern: RegExp;
  readonly valid?: (match: string) => boolean;
}

const DETECTORS: readonly Detector[] = [
  { kind: "email", pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  {
    kind: "card",
    pattern: /\b(?:\d[ -]?){12,18}\d\b/g,
    valid: (m) => {
      const digits = m.replace(/\D/g, "");
      return digits.length >= 13 && digits.length <= 19 && luhn(digits);
    },
  },
  { kind: "iban", pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, valid: ibanValid },
  {
    kind: "secret",
    pattern:
      /\b(?:sk-[A-Za-z0-9_-]{20,}|tg_[0-9A-Za-z]{38}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|xox[baprs]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b|-----BEGIN [A-Z ]*PRIVATE KEY-----/g,
  },
  { kind: "phone", pattern: /(?<![\w+])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\w)/g },
];

/** All PII of the given kinds in `text`, non-overlapping, in order (earlier detectors win overlaps). */
export function findPii(text: string, kinds: ReadonlySet<PiiKind>): PiiMatch[] {
  const found: PiiMatch[] = [];
  for (const d of DETECTORS) {
    if (!kinds.has(d.kind)) continue;
    for (const m of text.matchAll(d.pattern)) {
      const index = m.index;
      const length = m[0].length;
      if (d.valid !== undefined && !d.valid(m[0])) continue;
      if (found.some((f) => index < f.index + f.length && f.index < index + length)) continue;
      found.push({ kind: d.kind, index, length });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}
