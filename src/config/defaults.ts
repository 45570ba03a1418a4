/** The config file used when a command gets no --config: $TOLLGATE_CONFIG, else ./tollgate.yaml. */
export function defaultConfigPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.TOLLGATE_CONFIG ?? "tollgate.yaml";
}
