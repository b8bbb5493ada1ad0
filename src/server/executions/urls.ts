/** Absolute URLs under IDV_PUBLIC_URL for accounts, executions, parts and the widget's session endpoints. */
import type { ServerConfig } from '../config.js';

export class PublicUrls {
  constructor(private readonly config: ServerConfig) {}

  get base(): string {
    return this.config.publicUrl;
  }
  account(accountId: string): string {
    return `${this.base}/api/v1/accounts/${accountId}`;
  }
  execution(accountId: string, executionId: string): string {
    return `${this.account(accountId)}/workflow-executions/${executionId}`;
  }
  part(accountId: string, executionId: string, credentialId: string, classifier: string): string {
    return `${this.execution(accountId, executionId)}/credentials/${credentialId}/parts/${classifier}`;
  }
  /** The Retrieval API's part path (no execution in it; credential ids are unique). */
  retrievalPart(accountId: string, credentialId: string, classifier: string): string {
    return `${this.account(accountId)}/credentials/${credentialId}/parts/${classifier}`;
  }
  report(executionId: string, expires: number, signature: string): string {
    const query = new URLSearchParams({ expires: String(expires), signature });
    return `${this.base}/api/v1/reports/${executionId}?${query}`;
  }
  session(suffix = ''): string {
    return `${this.base}/api/v1/session${suffix}`;
  }
  handoff(code: string): string {
    return `${this.base}/web/v1/handoff/${code}`;
  }
  hostedApp(token: string, locale: string): string {
    const query = new URLSearchParams({ authorizationToken: token, locale });
    return `${this.base}/web/v1/app?${query}`;
  }
}
