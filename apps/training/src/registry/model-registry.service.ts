import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { EventPublisher, type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import { ModelVersionRepository, type ModelStage, type ModelVersion } from '@keelson/persistence';
import { ModelPromoted, ModelRegistered, ModelRetired } from '@keelson/schemas';
import { ApiError } from '@keelson/service-kit';
import { ModelPointerStore, type ModelPointers } from './model-pointers';
import { describeOnnx } from './onnx-check';

export const ARTIFACT_BUCKET = 'model-artifacts';

export type NewVersion = Omit<
  ModelVersion,
  '_id' | 'version' | 'createdAt' | 'stageChangedAt' | 'artifact' | 'stage'
>;

/**
 * The model registry: versions (documents), artifacts (the JetStream object store, addressed by
 * SHA-256) and stage pointers (the `models` KV bucket that serving follows). Every change is an
 * event: `model.registered`, `model.promoted`, `model.retired`.
 */
@Injectable()
export class ModelRegistry implements OnModuleInit {
  private readonly logger = new Logger(ModelRegistry.name);
  private artifacts!: ObjectStore;
  private pointers!: ModelPointerStore;

  constructor(
    @Inject(MESSAGING) private readonly messaging: Messaging,
    private readonly versions: ModelVersionRepository,
    private readonly publisher: EventPublisher,
  ) {}

  async onModuleInit(): Promise<void> {
    // Provisioned from the catalogue at start-up, with the deployment's replicas.
    this.artifacts = await new Objm(this.messaging.js).open(ARTIFACT_BUCKET);
    this.pointers = await ModelPointerStore.open(this.messaging);
  }

  /** Stores the artifact (validated by loading it in onnxruntime) and registers a new version. */
  async register(entry: NewVersion, onnx: Uint8Array): Promise<ModelVersion> {
    const described = await describeOnnx(onnx);
    const sha256 = createHash('sha256').update(onnx).digest('hex');
    const object = `sha256-${sha256}`;
    if (!(await this.artifacts.info(object))) await this.artifacts.putBlob({ name: object }, onnx);
    const version = await this.versions.register({
      ...entry,
      stage: 'registered',
      artifact: {
        sha256,
        sizeBytes: onnx.byteLength,
        object,
        inputs: described.inputs,
        outputs: described.outputs,
      },
    });
    await this.publisher.publish(ModelRegistered, {
      model: version.model,
      version: version.version,
      ...(version.dataset ? { dataset: version.dataset } : {}),
      ...(version.transformVersion ? { transformVersion: version.transformVersion } : {}),
      metrics: version.metrics,
      artifact: { sha256, sizeBytes: onnx.byteLength },
      stage: 'registered',
      ...(version.reference ? { reference: version.reference } : {}),
    });
    this.logger.log(`registered ${version.model}@${version.version} (${sha256.slice(0, 12)})`);
    return version;
  }

  async artifact(
    model: string,
    version: number,
  ): Promise<{ meta: ModelVersion; bytes: Uint8Array }> {
    const meta = await this.version(model, version);
    const bytes = await this.artifacts.getBlob(meta.artifact.object);
    if (!bytes)
      throw new Error(`artifact ${meta.artifact.object} of ${model}@${version} is missing`);
    return { meta, bytes };
  }

  async version(model: string, version: number): Promise<ModelVersion> {
    const found = await this.versions.get(model, version);
    if (!found) throw ApiError.notFound(`model ${model} has no version ${version}`);
    return found;
  }

  list(model: string) {
    return this.versions.versions(model);
  }

  models() {
    return this.versions.models();
  }

  stages(model: string): Promise<ModelPointers> {
    return this.pointers.get(model);
  }

  /** The production version, if any, with its record. */
  async production(model: string): Promise<ModelVersion | null> {
    const { production } = await this.pointers.get(model);
    return production ? this.versions.get(model, production) : null;
  }

  /** Makes a version production (the previous one stays registered) or the canary at a weight. */
  async promote(
    model: string,
    version: number,
    stage: 'production' | 'canary',
    reason: string,
    canaryWeight = 0.1,
  ): Promise<ModelPointers> {
    const target = await this.version(model, version);
    if (target.stage === 'archived')
      throw new ApiError(409, `${model}@${version} is archived; register it again to serve it`);
    const { before, after } = await this.pointers.change(model, (current) => {
      const p = {
        ...current,
        artifacts: { ...current.artifacts, [version]: target.artifact.sha256 },
      };
      if (stage === 'canary') return { ...p, canary: version, canaryWeight };
      const history =
        p.production && p.production !== version ? [...p.history, p.production] : p.history;
      const canary = p.canary === version ? {} : { canary: p.canary, canaryWeight: p.canaryWeight };
      return { ...p, ...canary, production: version, history };
    });
    await this.mirror(model, before, after);
    await this.publisher.publish(ModelPromoted, {
      model,
      version,
      stage,
      ...(stage === 'production' && before.production
        ? { previousVersion: before.production }
        : {}),
      ...(stage === 'canary' ? { canaryWeight } : {}),
      reason,
    });
    this.logger.log(`${model}@${version} is now ${stage}: ${reason}`);
    return after;
  }

  /** Production returns to the version it replaced; the rolled-back version is archived. */
  async rollback(model: string, reason: string): Promise<ModelPointers> {
    let rolledBack: number | undefined;
    const { before, after } = await this.pointers.change(model, (p) => {
      const previous = p.history.at(-1);
      if (!p.production || previous === undefined)
        throw new ApiError(409, `model ${model} has no earlier production version to roll back to`);
      rolledBack = p.production;
      return { ...p, production: previous, history: p.history.slice(0, -1) };
    });
    await this.mirror(model, before, after);
    await this.versions.setStage(model, rolledBack!, 'archived');
    await this.publisher.publish(ModelPromoted, {
      model,
      version: after.production!,
      stage: 'production',
      previousVersion: rolledBack!,
      reason: `rollback: ${reason}`,
    });
    await this.publisher.publish(ModelRetired, {
      model,
      version: rolledBack!,
      reason: `rolled back: ${reason}`,
    });
    return after;
  }

  /** Archives a version that serves no traffic (a canary is withdrawn first). */
  async archive(model: string, version: number, reason: string): Promise<void> {
    await this.version(model, version);
    const { before, after } = await this.pointers.change(model, (p) => {
      if (p.production === version)
        throw new ApiError(
          409,
          `${model}@${version} is production: promote another version or roll back first`,
        );
      const next = { ...p, history: p.history.filter((v) => v !== version) };
      if (p.canary === version) {
        delete next.canary;
        delete next.canaryWeight;
      }
      return next;
    });
    await this.mirror(model, before, after);
    await this.versions.setStage(model, version, 'archived');
    await this.publisher.publish(ModelRetired, { model, version, reason });
  }

  /** Brings the version documents' stages in line with the pointers that changed. */
  private async mirror(model: string, before: ModelPointers, after: ModelPointers): Promise<void> {
    const stageOf = (p: ModelPointers, v: number): ModelStage =>
      p.production === v ? 'production' : p.canary === v ? 'canary' : 'registered';
    const touched = new Set(
      [before.production, before.canary, after.production, after.canary].filter(
        (v): v is number => v !== undefined,
      ),
    );
    for (const v of touched)
      if (stageOf(before, v) !== stageOf(after, v) || !before.updatedAt)
        await this.versions.setStage(model, v, stageOf(after, v));
  }
}
