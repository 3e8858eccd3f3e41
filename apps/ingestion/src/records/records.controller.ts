import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { uuidv7 } from '@keelson/schemas';
import {
  ApiError,
  parseRecords,
  RequireScope,
  type AuthenticatedRequest,
} from '@keelson/service-kit';
import type { IngestionConfig } from '../config';
import { DependencyUnavailableError, UnknownDatasetError } from './dependency-guard';
import type { IngestReport } from './ingest.types';
import { RecordIngestor } from './record-ingestor.service';

@Controller('v1/datasets/:name/records')
export class RecordsController {
  constructor(
    private readonly ingestor: RecordIngestor,
    @Inject(APP_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /**
   * A batch of records as a JSON array or NDJSON. 200 with a verdict per record (accepted,
   * duplicate, or rejected with every reason): a mixed batch keeps its good records.
   */
  @Post()
  @HttpCode(200)
  @RequireScope('ingest')
  async ingest(
    @Param('name') name: string,
    @Body() body: unknown,
    @Req() request: AuthenticatedRequest,
  ): Promise<IngestReport> {
    const records = parseRecords(
      body,
      request.headers['content-type'],
      this.config.http.maxBatchRecords,
    );
    let report: IngestReport;
    try {
      report = await this.ingestor.ingest(name, records, {
        via: 'http',
        origin: `http:${request.apiKey.id}:${uuidv7()}`,
        receivedAtMs: Date.now(),
      });
    } catch (error) {
      if (error instanceof UnknownDatasetError)
        throw ApiError.notFound(`${error.message}: register it with PUT /v1/datasets/${name}`);
      if (error instanceof DependencyUnavailableError)
        throw ApiError.unavailable(
          `${error.message}; nothing from this batch was acknowledged, retry it`,
        );
      throw error;
    }
    // Nothing usable in the batch: a client error, with the reasons (they were also published on
    // records.rejected.<dataset> and counted).
    if (report.accepted + report.duplicates === 0) {
      throw ApiError.badRequest(
        `every record in the batch was rejected (${report.rejected})`,
        report.results
          .slice(0, 100)
          .flatMap((r) =>
            (r.reasons ?? []).map((x) => ({ field: `[${r.index}].${x.field}`, reason: x.reason })),
          ),
      );
    }
    return report;
  }
}
