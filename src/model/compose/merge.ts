import type { ComposeModel, ComposePort, ComposeService, ComposeVolume } from './types.js';

/**
 * One compose project from its files, merged the way `docker compose` merges `-f a -f b` (and a
 * file with its override), following the compose spec's merge rules for what decides reach:
 * scalars (image, network_mode) are overridden; `ports` are appended, duplicates removed;
 * `volumes` are merged by target; `networks` are a union; `environment` is merged by name;
 * `command`/`entrypoint` are overridden; a key tagged `!reset` or `!override` replaces the
 * base's value. `extends` within the project is resolved the same way (the service merged
 * over the one it extends). Every port, volume and service keeps the file it was written in.
 */

function portKey(p: ComposePort): string {
  return `${p.hostIp}|${p.hostPort ?? ''}|${p.containerPort}|${p.protocol}`;
}

function uniquePorts(ports: ComposePort[]): ComposePort[] {
  const seen = new Set<string>();
  return ports.filter((p) => !seen.has(portKey(p)) && seen.add(portKey(p)));
}

function mergeVolumes(base: ComposeVolume[], over: ComposeVolume[]): ComposeVolume[] {
  const targets = new Set(over.map((v) => v.target));
  return [...base.filter((v) => !targets.has(v.target)), ...over];
}

/** `over` applied on top of `base`. The result keeps the base's name, line and file. */
export function mergeService(base: ComposeService, over: ComposeService): ComposeService {
  const replaced = new Set(over.replace ?? []);
  const merged: ComposeService = {
    ...base,
    ports: replaced.has('ports') ? over.ports : uniquePorts([...base.ports, ...over.ports]),
    networks: replaced.has('networks') ? over.networks : [...new Set([...base.networks, ...over.networks])],
    volumes: replaced.has('volumes') ? over.volumes : mergeVolumes(base.volumes, over.volumes),
    command: over.command.length > 0 || replaced.has('command') || replaced.has('entrypoint') ? over.command : base.command,
    environment: replaced.has('environment') ? over.environment : { ...base.environment, ...over.environment },
  };
  const image = over.image ?? (replaced.has('image') ? undefined : base.image);
  if (image !== undefined) merged.image = image;
  else delete merged.image;
  const mode = over.networkMode ?? (replaced.has('network_mode') ? undefined : base.networkMode);
  if (mode !== undefined) merged.networkMode = mode;
  else delete merged.networkMode;
  if (over.extends) merged.extends = over.extends;
  delete merged.replace;
  return merged;
}

function stamp(model: ComposeModel): ComposeService[] {
  return model.services.map((s) => ({
    ...s,
    file: s.file ?? model.path,
    ports: s.ports.map((p) => ({ ...p, file: p.file ?? model.path })),
    volumes: s.volumes.map((v) => ({ ...v, file: v.file ?? model.path })),
  }));
}

/** Resolve `extends: other-service` within the project; `extends` from another file is left as unresolved. */
function resolveExtends(services: Map<string, ComposeService>, model: ComposeModel): void {
  const resolving = new Set<string>();
  const resolve = (name: string): ComposeService | undefined => {
    const s = services.get(name);
    if (!s?.extends || s.extends.file !== undefined) return s;
    if (resolving.has(name)) {
      model.unresolved = [
        ...(model.unresolved ?? []),
        { line: s.extends.line, message: `service "${name}" extends itself through a cycle`, ...(s.file ? { file: s.file } : {}) },
      ];
      return s;
    }
    resolving.add(name);
    const base = resolve(s.extends.service);
    resolving.delete(name);
    if (!base) {
      model.unresolved = [
        ...(model.unresolved ?? []),
        { line: s.extends.line, message: `service "${name}" extends "${s.extends.service}", which is not defined`, ...(s.file ? { file: s.file } : {}) },
      ];
      return s;
    }
    const { extends: _done, ...own } = s;
    const merged: ComposeService = { ...mergeService({ ...base, name, line: s.line, ...(s.file ? { file: s.file } : {}) }, own) };
    delete merged.extends;
    services.set(name, merged);
    return merged;
  };
  for (const name of [...services.keys()]) resolve(name);
  for (const s of services.values()) {
    if (s.extends?.file !== undefined) {
      model.unresolved = [
        ...(model.unresolved ?? []),
        {
          line: s.extends.line,
          message: `service "${s.name}" extends "${s.extends.service}" from ${s.extends.file}, which clawmoat does not read`,
          ...(s.file ? { file: s.file } : {}),
        },
      ];
    }
  }
}

/** The project's files, in load order, as one model. Its path names every file: "a.yaml + b.yaml". */
export function mergeProject(models: readonly ComposeModel[]): ComposeModel {
  const services = new Map<string, ComposeService>();
  for (const model of models) {
    for (const s of stamp(model)) {
      const base = services.get(s.name);
      services.set(s.name, base ? mergeService(base, s) : s);
    }
  }
  const merged: ComposeModel = { path: models.map((m) => m.path).join(' + '), services: [], warnings: models.flatMap((m) => m.warnings) };
  const unresolved = models.flatMap((m) => (m.unresolved ?? []).map((u) => ({ ...u, file: u.file ?? m.path })));
  if (unresolved.length > 0) merged.unresolved = unresolved;
  const error = models.find((m) => m.error);
  if (error?.error) merged.error = error.error;
  resolveExtends(services, merged);
  merged.services = [...services.values()];
  return merged;
}
