import { createInterface } from 'node:readline/promises'

/** a yes/no question on the terminal (stderr); only `y`/`yes` is yes */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}
