export function packageTargets(pkg: unknown): string[];
export function importsOf(root: string, file: string): string[];
export function neededDistFiles(root: string): string[];
export function listFiles(root: string, dir: string): string[];
