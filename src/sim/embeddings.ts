import { finalize32 } from "./random.js";

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;

function addFeature(vector: Float64Array, hash: number, weight: number): void {
  const h = finalize32(hash);
  const index = h % vector.length;
  // The top bit picks the sign, so unrelated features cancel out on average.
  vector[index] = (vector[index] ?? 0) + (h & 0x80000000 ? -weight : weight);
}

/**
 * A deterministic unit vector for `text`: a hashed bag of lower-cased words and character
 * trigrams, L2-normalised. Texts sharing words and spellings get a high cosine similarity;
 * the same text always gives the same vector (independent of the simulator's seed).
 * Values are float32 so that the `float` and `base64` encodings carry the same numbers.
 */
export function embedText(text: string, dimensions: number): Float32Array {
  const acc = new Float64Array(dimensions);
  const lower = ` ${text.toLowerCase().replace(/\s+/g, " ").trim()} `;
  let word = 0x811c9dc5;
  let wordLength = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const isWordChar = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c >= 0xc0;
    if (isWordChar) {
      word = Math.imul(word ^ c, 0x01000193);
      wordLength++;
    } else if (wordLength > 0) {
      addFeature(acc, word, WORD_WEIGHT);
      word = 0x811c9dc5;
      wordLength = 0;
    }
    if (i + 2 < lower.length) {
      const trigram = Math.imul(
        Math.imul(Math.imul(0x9747b28c ^ c, 0x01000193) ^ lower.charCodeAt(i + 1), 0x01000193) ^
          lower.charCodeAt(i + 2),
        0x01000193,
      );
      addFeature(acc, trigram, TRIGRAM_WEIGHT);
    }
  }
  let norm = 0;
  for (const v of acc) norm += v * v;
  const out = new Float32Array(dimensions);
  if (norm === 0) {
    out[0] = 1; // empty text: a fixed unit vector
    return out;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) out[i] = (acc[i] ?? 0) * scale;
  return out;
}

/** OpenAI's `encoding_format: "base64"`: little-endian float32 bytes, base64-encoded. */
export function toBase64(vector: Float32Array): string {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i] ?? 0, i * 4);
  return buffer.toString("base64");
}
