/** The report formats, in a module of their own: the CLI names them in --help without loading the renderers. */
export const REPORT_FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'prometheus'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
