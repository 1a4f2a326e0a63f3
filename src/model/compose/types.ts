/**
 * The analysis-side view of one Docker Compose file: only what decides who can reach a
 * service (published ports, network mode and networks, mounts, argv, environment), each
 * with the place it was written so a finding can point at the line.
 */

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface ComposePort {
  /** "" when none was given (= every address), else the address with any brackets removed. */
  hostIp: string;
  /** "18789", a range "9000-9002", or undefined when the host port is left to Docker (ephemeral). */
  hostPort?: string;
  /** "18789" or a range "9000-9002". */
  containerPort: string;
  protocol: PortProtocol;
  /** 1-based position of the entry in the file. */
  line: number;
  column: number;
  /**
   * The entry after interpolation. Short syntax: the string as written ("127.0.0.1:18789:18789").
   * Long syntax: the mapping written inline, keys in file order ("{target: 18789, published: 18789}").
   */
  raw: string;
  /** The file the entry was written in, when the model merges several files (else the model's path). */
  file?: string;
}

export interface ComposeVolume {
  /** Host path or named volume; undefined for an anonymous volume or a tmpfs. */
  source?: string;
  target: string;
  line: number;
  /** "bind", "volume", "tmpfs", ... as compose would infer it for the short syntax. */
  type?: string;
  readOnly?: boolean;
  /** The file the entry was written in, when the model merges several files. */
  file?: string;
}

export interface ComposeService {
  name: string;
  image?: string;
  /** Line of the service's key under `services:`. */
  line: number;
  /** Every published port, normalised. Entries that could not be parsed are left out (see `error`). */
  ports: ComposePort[];
  /** `network_mode` as written: "host", "none", "bridge", "service:x", "container:x". */
  networkMode?: string;
  /** Network names, list or map form; [] means the project's default network. */
  networks: string[];
  volumes: ComposeVolume[];
  /** entrypoint then command, the order Docker runs them in (as the Docker collector records it). */
  command: string[];
  environment: Record<string, string>;
  /** The file the service was first defined in, when the model merges several files. */
  file?: string;
  /** `extends`: the service it builds on; `file` when that service lives in another file. */
  extends?: { service: string; file?: string; line: number };
  /** Keys tagged `!reset` or `!override`: in a merge they replace the base's value instead of merging with it. */
  replace?: string[];
}

export interface ComposeError {
  line: number;
  column: number;
  message: string;
}

export interface ComposeWarning {
  line?: number;
  message: string;
  /** The file, when the model merges several. */
  file?: string;
}

export interface ComposeModel {
  path: string;
  services: ComposeService[];
  /**
   * The first problem that would make `docker compose` refuse the file: a YAML error, a
   * non-mapping where a mapping is required, an unparseable port, a missing required
   * variable. Later problems of the same kind are kept in `warnings`.
   */
  error?: ComposeError;
  warnings: ComposeWarning[];
  /**
   * What the file pulls in but the model does not follow (`include`, `extends` from another
   * file): the services seen are then not all there is, so nothing can pass on them.
   */
  unresolved?: ComposeWarning[];
}

export interface ComposeInput {
  path: string;
  text: string;
  /** Variables for interpolation; the caller merges the .env file and the process environment. */
  env: Record<string, string>;
}
