/**
 * Errors the gateway answers with, in the body shapes GitLab's gateway uses: 401s carry
 * `{"error": ...}` (its auth middleware), everything else FastAPI's `{"detail": ...}`.
 * Messages here are sent to clients, so they must never contain secrets or internals.
 */

/** Base class: an error that already knows its HTTP answer. */
export class GatewayError extends Error {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = new.target.name
    this.status = status
    this.headers = headers
  }

  body(): Record<string, unknown> {
    return { detail: this.message }
  }

  toResponse(): Response {
    return Response.json(this.body(), { status: this.status, headers: this.headers })
  }
}

/** 401 from authentication; GitLab's body key is `error` and it sends no WWW-Authenticate. */
export class AuthenticationError extends GatewayError {
  constructor(message: string) {
    super(401, message)
  }

  override body(): Record<string, unknown> {
    return { error: this.message }
  }
}

/** Any `{"detail": ...}` answer: 403 missing scope, 404, 405, 413, 500 `Failed to generate JWT`... */
export class HttpError extends GatewayError {}

/** 422 for a body that is not JSON or does not match the route's schema. */
export class ValidationError extends GatewayError {
  constructor(detail = 'Validation error') {
    super(422, detail)
  }
}

export const internalServerError = (): Response =>
  Response.json({ detail: 'Internal Server Error' }, { status: 500 })
