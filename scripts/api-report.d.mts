export interface ApiExport {
  name: string;
  text: string;
}
export interface ApiEntry {
  key: string;
  report: string;
  source: string;
  exports: ApiExport[];
}
export interface ApiProblem {
  entry: string;
  report: string;
  kind: 'no report' | 'removed' | 'added' | 'changed signature' | 'entry point gone';
  names: string[];
}
export const REPORT_DIR: string;
export function entryPoints(): Omit<ApiEntry, 'exports'>[];
export function collectApi(): ApiEntry[];
export function renderReport(entry: ApiEntry): string;
export function parseReport(markdown: string): Map<string, string>;
export function compareWithReports(api?: ApiEntry[]): ApiProblem[];
export function describeProblems(problems: ApiProblem[]): string;
export function writeReports(api?: ApiEntry[]): ApiEntry[];
