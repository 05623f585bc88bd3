/**
 * What services report while they work. The terminal renderers live in cli/progress.ts; services
 * only see this interface, so they never depend on the CLI.
 */
export interface Progress {
  /** one phase of the work; its title is shown while it runs */
  task<T>(title: string, fn: (note: (line: string) => void) => Promise<T>): Promise<T>
  /** a line worth keeping on screen (a choice pitrctl made, a warning) */
  info(line: string): void
}

export const silentProgress: Progress = {
  task: (_title, fn) => fn(() => undefined),
  info: () => undefined,
}
