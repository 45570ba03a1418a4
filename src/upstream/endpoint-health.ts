export interface EndpointHealthOptions {
  /** Consecutive failures that eject an endpoint (passive health: a circuit breaker). */
  readonly failureThreshold: number;
  /** How long an ejected endpoint gets no traffic before one trial request (half-open). */
  readonly cooldownMs: number;
  readonly clock?: () => number;
  readonly onEject?: (endpoint: string) => void;
}

interface State {
  failures: number;
  openUntil: number;
  /** A half-open trial is in flight. */
  trial: boolean;
  /** Result of the last active health check (true until one fails). */
  checkedUp: boolean;
}

/**
 * Which endpoints should get traffic: active checks (the engine's /health) and passive ejection
 * (consecutive failures open a breaker for `cooldownMs`, then one trial request decides).
 */
export class EndpointHealth {
  private readonly states = new Map<string, State>();
  private readonly clock: () => number;

  constructor(private readonly options: EndpointHealthOptions) {
    this.clock = options.clock ?? Date.now;
  }

  private state(url: string): State {
    let s = this.states.get(url);
    if (s === undefined) {
      s = { failures: 0, openUntil: 0, trial: false, checkedUp: true };
      this.states.set(url, s);
    }
    return s;
  }

  /** May `url` take a request now? A half-open endpoint admits one trial at a time. */
  available(url: string): boolean {
    const s = this.state(url);
    if (!s.checkedUp) return false;
    if (s.failures < this.options.failureThreshold) return true;
    return s.openUntil <= this.clock() && !s.trial;
  }

  /** Marks the start of a request on `url` (claims the half-open trial if that is what it is). */
  begin(url: string): void {
    const s = this.state(url);
    if (s.failures >= this.options.failureThreshold) s.trial = true;
  }

  success(url: string): void {
    const s = this.state(url);
    s.failures = 0;
    s.trial = false;
  }

  failure(url: string): void {
    const s = this.state(url);
    s.failures++;
    s.trial = false;
    if (s.failures >= this.options.failureThreshold) {
      if (s.openUntil <= this.clock()) this.options.onEject?.(url);
      s.openUntil = this.clock() + this.options.cooldownMs;
    }
  }

  /** Result of an active health check. */
  checked(url: string, up: boolean): void {
    this.state(url).checkedUp = up;
  }

  isUp(url: string): boolean {
    return this.available(url) || this.state(url).trial;
  }
}
