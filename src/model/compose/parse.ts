import { isMap, isScalar, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { Reader } from './reader.js';
import { readService } from './service.js';
import type { ComposeInput, ComposeModel, ComposeService } from './types.js';

/**
 * Parses one compose file's text into the model analysis uses. Pure and total: any
 * problem becomes `error` or a warning with its line, never an exception, because a
 * broken compose file is itself a finding.
 */
export function parseCompose(file: ComposeInput): ComposeModel {
  try {
    return parse(file);
  } catch (e) {
    // A safety net: the parser is written not to throw, but a snapshot from an unknown
    // host must never crash the analysis of everything else.
    return {
      path: file.path,
      services: [],
      warnings: [],
      error: { line: 1, column: 1, message: `internal error while reading the file: ${e instanceof Error ? e.message : String(e)}` },
    };
  }
}

function parse(file: ComposeInput): ComposeModel {
  const lines = new LineCounter();
  const doc = parseDocument(file.text, {
    lineCounter: lines,
    // Compose reads YAML 1.2 whatever the file's %YAML directive says: "22:22" is a string, never base 60.
    schema: 'core',
    merge: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const model: ComposeModel = { path: file.path, services: [], warnings: [] };
  const firstError = doc.errors[0];
  if (firstError) {
    const { line, col } = lines.linePos(firstError.pos[0]);
    model.error = { line: Math.max(line, 1), column: Math.max(col, 1), message: firstError.message };
    return model;
  }
  const r = new Reader(doc, lines, file.env);
  for (const w of doc.warnings) r.warn(lines.linePos(w.pos[0]).line, w.message);

  const root = r.resolve(doc.contents);
  if (root === null || (isScalar(root) && root.value === null)) {
    r.fail(root, 'empty compose file');
  } else if (!isMap(root)) {
    r.fail(root, 'the top level of a compose file must be a mapping');
  } else {
    model.services = readServices(r, root);
  }
  if (r.error) model.error = r.error;
  model.warnings = r.warnings;
  if (r.notFollowed.length > 0) model.unresolved = r.notFollowed;
  return model;
}

function readServices(r: Reader, root: YAMLMap): ComposeService[] {
  const entries = r.entries(root);
  for (const e of entries) {
    if (e.key === 'include') r.unresolved(e.keyNode, '"include" pulls in other compose files, and clawmoat does not read them');
  }
  const servicesEntry = entries.find((e) => e.key === 'services');
  const servicesNode = r.resolve(servicesEntry?.value ?? null);
  if (servicesEntry === undefined || servicesNode === null || (isScalar(servicesNode) && servicesNode.value === null)) {
    r.warn(servicesEntry?.keyNode ?? null, 'the file defines no services');
    return [];
  }
  if (!isMap(servicesNode)) {
    r.fail(servicesNode, '"services" must be a mapping of service names to definitions');
    return [];
  }
  const services: ComposeService[] = [];
  for (const e of r.entries(servicesNode)) {
    const service = readService(r, e.key, e.keyNode, e.value);
    if (service) services.push(service);
  }
  return services;
}
