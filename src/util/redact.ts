/**
 * The single redaction layer (reliability.md §4.4.3): every secret value pitrctl learns is
 * registered here, and everything it prints, logs, plans or throws passes through `redact`.
 * Exact values are replaced, and so are their base64, URL-encoded and quoted forms.
 */
const MASK = '********'

export class Redactor {
  private readonly needles = new Set<string>()

  register(secret: string | undefined): void {
    if (!secret || secret.length < 4) return
    for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])
      if (form.length >= 4) this.needles.add(form)
  }

  redact(text: string): string {
    let out = text
    for (const n of [...this.needles].sort((a, b) => b.length - a.length)) out = out.split(n).join(MASK)
    return out
  }
}

/** the process-wide redactor; secrets from config and secretEnv register themselves */
export const redactor = new Redactor()

/** config keys whose values are secrets (contract: `*.key-secret`, `*password*`, AWS_SECRET_ACCESS_KEY, …) */
export const SECRET_KEY = /(secret|password|passwd|passphrase|cipher[-_]pass|token|private[-_]?key|access[-_]?key|account[-_]?key|azure[-_]key|libsodium[-_]key|pgp[-_]key|(^|[-_.])key$)/i

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}
