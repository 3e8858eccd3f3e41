import { subjectMatches } from '../subjects';
import type { EventDefinition } from './define-event';
import { AlertRaised } from './alerts/alert-raised.event';
import { DeadLettered } from './dlq/dead-lettered.event';
import { FeatureRowsCreated } from './features/feature-rows.event';
import { IngestRecords } from './ingest/ingest-records.event';
import { ModelPromoted, ModelRegistered, ModelRetired } from './ml/model.events';
import {
  TrainingCompleted,
  TrainingFailed,
  TrainingProgress,
  TrainingRequested,
} from './ml/training.events';
import { PredictionSampled } from './predictions/prediction-sampled.event';
import { RecordRejected } from './records/record-rejected.event';
import { RecordsValidated } from './records/records-validated.event';
import { GatewayHeartbeat, NodeHeartbeat, ServiceHeartbeat } from './telemetry/telemetry.events';

/** Every event Keelson publishes, one per subject pattern. */
export const EVENTS: readonly EventDefinition[] = [
  IngestRecords,
  RecordsValidated,
  RecordRejected,
  FeatureRowsCreated,
  TrainingRequested,
  TrainingProgress,
  TrainingCompleted,
  TrainingFailed,
  ModelRegistered,
  ModelPromoted,
  ModelRetired,
  PredictionSampled,
  NodeHeartbeat,
  GatewayHeartbeat,
  ServiceHeartbeat,
  AlertRaised,
  DeadLettered,
];

/** The event definition whose subject pattern covers a delivered subject, if any. */
export function eventForSubject(
  subject: string,
  events: readonly EventDefinition[] = EVENTS,
): EventDefinition | undefined {
  return events.find((e) => subjectMatches(e.subject, subject));
}
