/**
 * Incremental Server-Sent Events parser: feed it text as it arrives, get back the `data` payload of
 * every complete event. Comments and other fields are ignored; CRLF and LF both end lines.
 */
export class SseParser {
  private buffer = "";

  push(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    for (;;) {
      const end = this.findEventEnd();
      if (end === null) break;
      const block = this.buffer.slice(0, end.index);
      this.buffer = this.buffer.slice(end.index + end.length);
      const data = SseParser.dataOf(block);
      if (data !== null) out.push(data);
    }
    return out;
  }

  /** Text left over that did not end with a blank line (an engine that closed mid-event). */
  rest(): string {
    return this.buffer;
  }

  private findEventEnd(): { index: number; length: number } | null {
    const lf = this.buffer.indexOf("\n\n");
    const crlf = this.buffer.indexOf("\r\n\r\n");
    if (lf === -1 && crlf === -1) return null;
    if (crlf !== -1 && (lf === -1 || crlf < lf)) return { index: crlf, length: 4 };
    return { index: lf, length: 2 };
  }

  private static dataOf(block: string): string | null {
    let data: string | null = null;
    for (const raw of block.split("\n")) {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (!line.startsWith("data:")) continue;
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === null ? value : `${data}\n${value}`;
    }
    return data;
  }
}
