/** The packet simulator: see simulate.ts for the walk and matches.ts for the fixed answers a first packet gets. */
export { prepare, simulate, type Simulator } from './simulate.js';
export { HostTable } from './host.js';
export type * from './types.js';
