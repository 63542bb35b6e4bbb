// Work in progress: filled in by the testing work (issue 3).
export {};
