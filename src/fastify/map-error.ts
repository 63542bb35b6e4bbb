/** Fastify refuses a malformed Content-Type before any parser runs, leaving the body unread. */
export function isUnparsableContentType(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
}
