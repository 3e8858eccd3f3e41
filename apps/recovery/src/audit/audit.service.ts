import { Injectable, Logger } from '@nestjs/common';
import { AuditRepository } from '@keelson/persistence';
import { uuidv7 } from '@keelson/schemas';

/**
 * Everything recovery changes, by hand or on its own, is written down: who (an API key id, or
 * the recovery instance), when, what, on what, why. An audit write that fails is logged and the
 * action stands: the audit trail must not become the reason a node stays sick.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('audit');

  constructor(private readonly audit: AuditRepository) {}

  async record(
    who: string,
    action: string,
    target: string,
    reason: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    this.logger.log(`${who} ${action} ${target}: ${reason}`);
    await this.audit
      .record({ _id: uuidv7(), at: new Date(), who, action, target, reason, details })
      .catch((error: Error) => this.logger.error(`audit write failed: ${error.message}`));
  }

  list(target: string | undefined, limit: number) {
    return this.audit.list(target ? { target } : {}, limit);
  }
}
