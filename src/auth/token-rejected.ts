/** Why a token was refused. The reason goes to the log; clients only see GitLab's message. */
export class TokenRejected extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'TokenRejected'
  }
}
