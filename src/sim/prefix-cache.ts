import { finalize32, hashString, mix32 } from "./random.js";

/** vLLM's default KV block size, in tokens. */
export const BLOCK_SIZE = 16;

/**
 * Automatic prefix caching with vLLM semantics: the prompt is split into full blocks of
 * BLOCK_SIZE tokens; each block's hash chains its parent's hash, its own tokens and (for the
 * first block) the request's `cache_salt`, so requests with different salts never share a
 * block. Cached blocks are kept in an LRU of bounded size.
 */
export class PrefixCache {
  /** Block hash -> true; Map iteration order is the LRU order (oldest first). */
  private readonly blocks = new Map<number, true>();

  constructor(readonly capacityBlocks = 4096) {}

  get size(): number {
    return this.blocks.size;
  }

  /** Hashes of the full blocks among the first `limit` tokens (all tokens by default). */
  blockHashes(tokens: readonly number[], salt: string | undefined, limit = tokens.length): number[] {
    const fullBlocks = Math.floor(Math.min(limit, tokens.length) / BLOCK_SIZE);
    const hashes: number[] = new Array<number>(fullBlocks);
    let a = salt === undefined ? 0x9e3779b9 : hashString(salt, 0x9e3779b9);
    let b = salt === undefined ? 0x85ebca6b : hashString(salt, 0x85ebca6b);
    for (let block = 0; block < fullBlocks; block++) {
      const start = block * BLOCK_SIZE;
      for (let i = start; i < start + BLOCK_SIZE; i++) {
        const token = tokens[i] ?? 0;
        a = mix32(a, token);
        b = mix32(b, token ^ 0x27d4eb2f);
      }
      a = finalize32(mix32(a, BLOCK_SIZE));
      b = finalize32(mix32(b, BLOCK_SIZE + 1));
      // 53-bit key: 32 bits of one lane and 21 of the other, exact as a JS number.
      hashes[block] = a * 0x200000 + (b & 0x1fffff);
    }
    return hashes;
  }

  /**
   * Number of leading blocks of `hashes` (at most `maxBlocks`) already cached; the chain stops
   * at the first miss.
   * Hit blocks become most recently used.
   */
  matchPrefix(hashes: readonly number[], maxBlocks = hashes.length): number {
    let hits = 0;
    for (const h of hashes) {
      if (hits >= maxBlocks || !this.blocks.has(h)) break;
      this.blocks.delete(h);
      this.blocks.set(h, true);
      hits++;
    }
    return hits;
  }

  /** Inserts (or refreshes) blocks, evicting the least recently used beyond capacity. */
  insert(hashes: readonly number[]): void {
    for (const h of hashes) {
      this.blocks.delete(h);
      this.blocks.set(h, true);
    }
    if (this.blocks.size <= this.capacityBlocks) return;
    let excess = this.blocks.size - this.capacityBlocks;
    for (const h of this.blocks.keys()) {
      if (excess-- <= 0) break;
      this.blocks.delete(h);
    }
  }

  clear(): void {
    this.blocks.clear();
  }
}
