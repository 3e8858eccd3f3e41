import { Injectable, Logger } from '@nestjs/common';
import { EventPublisher } from '@keelson/messaging';
import { RawRecordRepository } from '@keelson/persistence';
import { DatabaseHealth } from '@keelson/service-kit';
import { currentTraceId } from '@keelson/tracing';
import { DatasetCatalog } from '../datasets/dataset-catalog.service';
import {
  dependencyGuard,
  DependencyUnavailableError,
  UnknownDatasetError,
} from './dependency-guard';
import { ingestReport } from './ingest-report';
import type { Arrival, IngestGroup, IngestReport } from './ingest.types';
import { RecordAnnouncer } from './record-announcer';
import { RecordRejections } from './record-rejections';
import { validateGroups } from './record-validation';
import { assignValidatedEvents } from './validated-event-ids';

/**
 * The one ingestion pipeline behind both HTTP and `ingest.<dataset>`: validate every record against
 * its dataset's schema, store the new ones (the record id is the primary key, so a re-sent record is
 * a duplicate, never a second row), then publish `records.validated` for stored records, in events
 * of up to MAX_RECORDS_PER_EVENT, and `records.rejected` with every reason for the others. Nothing
 * is acknowledged to the producer before its records are stored and announced.
 */
@Injectable()
export class RecordIngestor {
  private readonly guard = dependencyGuard(new Logger(RecordIngestor.name));
  private readonly announcer: RecordAnnouncer;
  private readonly rejections: RecordRejections;

  constructor(
    private readonly catalog: DatasetCatalog,
    records: RawRecordRepository,
    publisher: EventPublisher,
    private readonly health: DatabaseHealth,
  ) {
    this.announcer = new RecordAnnouncer(records, publisher, this.guard);
    this.rejections = new RecordRejections(publisher, this.guard);
  }

  /** One request's or message's records: see {@link ingestGroups}. */
  async ingest(datasetName: string, batch: unknown[], arrival: Arrival): Promise<IngestReport> {
    const [report] = await this.ingestGroups(datasetName, [{ records: batch, arrival }]);
    return report;
  }

  /**
   * Several requests' or messages' records at once (the stream consumer gathers one-record
   * messages this way): one validation pass, one database write and one set of events for all of
   * them, and a report per group. A record repeated anywhere in the groups is stored once.
   */
  async ingestGroups(datasetName: string, groups: IngestGroup[]): Promise<IngestReport[]> {
    if (!this.health.up) throw new DependencyUnavailableError('the database is unavailable');
    const dataset = await this.guard('read the dataset schema', () =>
      this.catalog.get(datasetName),
    );
    if (!dataset) throw new UnknownDatasetError(datasetName);

    const { docs, resultOf, groupResults } = validateGroups(
      datasetName,
      dataset,
      groups,
      currentTraceId(),
    );
    const ownEvents = assignValidatedEvents(datasetName, groups, docs);
    const duplicateIds = await this.announcer.storeAndAnnounce(datasetName, docs, ownEvents);
    for (const doc of docs)
      if (duplicateIds.has(doc._id)) resultOf.get(doc.recordId)!.status = 'duplicate';
    await this.rejections.publish(datasetName, groups, groupResults);

    return groups.map(({ arrival }, g) =>
      ingestReport(datasetName, dataset.definition.version, arrival, groupResults[g]),
    );
  }

  /** Rejects every record of a batch for an unregistered dataset (stream path: nothing to retry). */
  async rejectUnknownDataset(
    datasetName: string,
    batch: unknown[],
    arrival: Arrival,
  ): Promise<void> {
    await this.rejections.publishUnknownDataset(datasetName, batch, arrival);
  }
}
