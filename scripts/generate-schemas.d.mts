// Types for the schema generator, so tests can run it in-process under strict TypeScript.
export declare const SCHEMAS: readonly { type: string; source: string; output: string; title: string; description: string }[];
export declare function generateSchemas(root?: string): Record<string, string>;
export declare function staleSchemas(root?: string): Promise<string[]>;
