import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { splitCommand } from './command.js';
import { readPorts } from './read-ports.js';
import { readVolumes } from './read-volumes.js';
import type { Reader } from './reader.js';
import type { ComposeService } from './types.js';

/** One entry under `services:`. Undefined when it is not a mapping (recorded on the reader). */
export function readService(r: Reader, name: string, keyNode: Node, value: Node | null): ComposeService | undefined {
  const node = r.resolve(value);
  if (!isMap(node)) {
    // An empty value has no useful position of its own: point at the service's name.
    r.fail(isNull(node) ? keyNode : node, `service "${name}" must be a mapping`);
    return undefined;
  }
  const service: ComposeService = { name, line: r.position(keyNode).line, ports: [], networks: [], volumes: [], command: [], environment: {} };
  let entrypoint: string[] = [];
  let command: string[] = [];
  let networksNode: Node | undefined;
  let modeNode: Node | undefined;
  for (const entry of r.entries(node)) {
    // `ports: !reset []` and `ports: !override [...]` replace the base file's value in a merge.
    const tag = (entry.value as { tag?: string } | null)?.tag;
    if (tag === '!reset' || tag === '!override') (service.replace ??= []).push(entry.key);
    switch (entry.key) {
      case 'image': {
        const image = r.text(entry.value, `service "${name}" image`);
        if (image !== undefined) service.image = image;
        break;
      }
      case 'ports':
        service.ports = readPorts(r, name, entry.value);
        break;
      case 'network_mode': {
        const mode = r.text(entry.value, `service "${name}" network_mode`);
        if (mode !== undefined) service.networkMode = mode;
        modeNode = entry.keyNode;
        break;
      }
      case 'networks':
        service.networks = readNetworks(r, name, entry.value);
        networksNode = entry.keyNode;
        break;
      case 'volumes':
        service.volumes = readVolumes(r, name, entry.value);
        break;
      case 'command':
        command = readArgv(r, `service "${name}" command`, entry.value);
        break;
      case 'entrypoint':
        entrypoint = readArgv(r, `service "${name}" entrypoint`, entry.value);
        break;
      case 'environment':
        service.environment = readEnvironment(r, name, entry.value);
        break;
      case 'extends': {
        const ext = readExtends(r, name, entry.value);
        if (ext) service.extends = { ...ext, line: r.position(entry.keyNode).line };
        break;
      }
      case 'env_file':
        r.warn(entry.keyNode, `service "${name}" has env_file; those variables are not read`);
        break;
    }
  }
  service.command = [...entrypoint, ...command];
  if (service.networkMode !== undefined && service.networks.length > 0) {
    r.warn(networksNode ?? modeNode, `service "${name}" sets both network_mode and networks; compose refuses that`);
  }
  if (service.networkMode === 'host' && service.ports.length > 0) {
    // Docker drops published ports in host mode: the container's own sockets are the host's.
    r.warn(modeNode, `service "${name}" uses network_mode: host, so its "ports" are ignored and its sockets listen on the host directly`);
  }
  return service;
}

/** `extends: base` or `extends: { service: base, file: other.yaml }`. */
function readExtends(r: Reader, service: string, value: Node | null): { service: string; file?: string } | undefined {
  const node = r.resolve(value);
  if (isMap(node)) {
    const entries = r.entries(node);
    const base = r.text(entries.find((e) => e.key === 'service')?.value, `service "${service}" extends.service`);
    const file = r.text(entries.find((e) => e.key === 'file')?.value, `service "${service}" extends.file`);
    if (base === undefined) {
      r.fail(node, `service "${service}": extends needs a "service"`);
      return undefined;
    }
    return file !== undefined ? { service: base, file } : { service: base };
  }
  const base = r.text(node, `service "${service}" extends`);
  return base !== undefined ? { service: base } : undefined;
}

function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

function readNetworks(r: Reader, service: string, value: Node | null): string[] {
  const node = r.resolve(value);
  if (isNull(node)) return [];
  if (isSeq(node)) {
    const names: string[] = [];
    for (const item of node.items) {
      const name = r.text(r.resolve(item), `service "${service}" network`);
      if (name !== undefined && name !== '') names.push(name);
    }
    return names;
  }
  if (isMap(node)) return r.entries(node).map((e) => e.key);
  r.fail(node, `service "${service}": "networks" must be a list or a mapping`);
  return [];
}

/** `command` and `entrypoint`: a list is taken as is, a string is split into shell words. */
function readArgv(r: Reader, what: string, value: Node | null): string[] {
  const node = r.resolve(value);
  if (node === null || isNull(node)) return [];
  if (isSeq(node)) {
    const words: string[] = [];
    for (const item of node.items) {
      const word = r.text(r.resolve(item), what);
      if (word !== undefined) words.push(word);
    }
    return words;
  }
  if (isMap(node)) {
    r.fail(node, `${what} must be a string or a list`);
    return [];
  }
  const text = r.text(node, what);
  if (text === undefined) return [];
  const { words, unclosedQuote } = splitCommand(text);
  if (unclosedQuote) r.warn(node, `${what} has an unclosed quote`);
  return words;
}

/**
 * `environment` as a list ("K=V") or a mapping. A variable given without a value ("K" or
 * `K:`) takes its value from the environment compose runs in, and is left out when unset.
 */
function readEnvironment(r: Reader, service: string, value: Node | null): Record<string, string> {
  const node = r.resolve(value);
  const env: Record<string, string> = {};
  const what = `service "${service}" environment`;
  const fromHost = (name: string): void => {
    const v = r.lookup(name);
    if (v !== undefined) env[name] = v;
  };
  if (isNull(node)) return env;
  if (isSeq(node)) {
    for (const item of node.items) {
      const text = r.text(r.resolve(item), what);
      if (text === undefined || text === '') continue;
      const eq = text.indexOf('=');
      if (eq < 0) fromHost(text);
      else env[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return env;
  }
  if (isMap(node)) {
    for (const entry of r.entries(node)) {
      if (isNull(r.resolve(entry.value))) {
        fromHost(entry.key);
        continue;
      }
      const text = r.text(entry.value, `${what} ${entry.key}`);
      if (text !== undefined) env[entry.key] = text;
    }
    return env;
  }
  r.fail(node, `${what} must be a list or a mapping`);
  return env;
}
