export { parseCompose } from './parse.js';
export { mergeProject, mergeService } from './merge.js';
export { publishesPort } from './ports.js';
export { isPublicHostIp } from './address.js';
export { interpolate } from './interpolate.js';
export type { ComposeError, ComposeInput, ComposeModel, ComposePort, ComposeService, ComposeVolume, ComposeWarning, PortProtocol } from './types.js';
