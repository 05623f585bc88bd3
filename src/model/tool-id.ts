export const TOOL_IDS = ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman'] as const
export type ToolId = (typeof TOOL_IDS)[number]

/** display names live here and nowhere else */
export const TOOL_LABEL: Readonly<Record<ToolId, string>> = {
  native: 'native (pg_basebackup)',
  pgbackrest: 'pgBackRest',
  barman: 'Barman',
  walg: 'WAL-G',
  pg_rman: 'pg_rman',
}

export function isToolId(s: string): s is ToolId {
  return (TOOL_IDS as readonly string[]).includes(s)
}
