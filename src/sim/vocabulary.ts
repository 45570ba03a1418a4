import { tokenize } from "../usage/tokens.js";
import { createRandom } from "./random.js";

/**
 * Output vocabulary: common English words with a leading space plus punctuation, each of
 * which is exactly one token for the shared tokenizer (usage/tokens.ts). Every generated piece
 * is one token, so the reported `completion_tokens` equals the number of pieces streamed.
 */
const CANDIDATE_WORDS =
  "the of and to in is that it for on with as was at by this be are from or have an they which one you had " +
  "not but what all were when we there can more if no so out up into them about some would time has two like " +
  "other could then these its than first been over only new way people may after also any most well very many " +
  "just work years world where much should between each those through back because good must life long both " +
  "day under same while never another small large part water great little own right high still place school " +
  "year find give real light point hand made house young kind might city open less number group early line " +
  "home order power side study system family change paper story river mountain garden morning music market " +
  "ocean forest window silver golden quiet bright simple gentle careful ancient modern";

const PUNCTUATION = [".", ","] as const;

let words: readonly string[] | undefined;
let punctuation: readonly string[] | undefined;

/** The verified single-token pieces (computed once, on first use). */
export function vocabulary(): { words: readonly string[]; punctuation: readonly string[] } {
  if (words === undefined || punctuation === undefined) {
    const isOneToken = (piece: string): boolean => tokenize(piece).length === 1;
    words = [...new Set(CANDIDATE_WORDS.split(" "))].map((w) => ` ${w}`).filter(isOneToken);
    punctuation = PUNCTUATION.filter(isOneToken);
  }
  return { words, punctuation };
}

/**
 * Deterministic text of `count` one-token pieces for a request key (`key` is a 32-bit hash of
 * seed + model + prompt). Sentences of 4-12 words end with a period, a comma now and then.
 */
export function generatePieces(key: number, count: number): string[] {
  const { words: w, punctuation: p } = vocabulary();
  const random = createRandom(key);
  const pieces: string[] = new Array<string>(count);
  let sinceStop = 0;
  let sentenceLength = 4 + Math.floor(random() * 9);
  let afterComma = false;
  for (let i = 0; i < count; i++) {
    if (sinceStop >= sentenceLength && !afterComma && p.length > 0) {
      pieces[i] = p[0] ?? ".";
      sinceStop = 0;
      sentenceLength = 4 + Math.floor(random() * 9);
      continue;
    }
    const r = random();
    if (sinceStop > 2 && !afterComma && r < 0.06 && p.length > 1) {
      pieces[i] = p[1] ?? ",";
      afterComma = true;
    } else {
      pieces[i] = w[Math.floor(random() * w.length)] ?? " the";
      afterComma = false;
    }
    sinceStop++;
  }
  return pieces;
}

/** A deterministic natural output length in [1, max] for a request key. */
export function naturalLength(key: number, max: number): number {
  const random = createRandom(key ^ 0x5bd1e995);
  return 1 + Math.floor(random() * Math.max(1, max));
}
