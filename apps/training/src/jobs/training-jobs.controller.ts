import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { TrainingRequested } from '@keelson/schemas';
import { DatasetRepository, type TrainingJobStatus } from '@keelson/persistence';
import { ApiError, parseJsonBody, RequireScope } from '@keelson/service-kit';
import { resolveHyperparameters } from './hyperparameters';
import { TrainingJobs, type TrainingRequest } from './training-jobs.service';

const STATUSES: TrainingJobStatus[] = ['queued', 'running', 'succeeded', 'failed'];

@Controller('v1/training-jobs')
export class TrainingJobsController {
  constructor(
    private readonly jobs: TrainingJobs,
    private readonly datasets: DatasetRepository,
  ) {}

  /** Queues a job; 202 with the job, whose id `GET /v1/training-jobs/{id}` follows. */
  @Post()
  @HttpCode(202)
  @RequireScope('train')
  async create(@Body() body: unknown) {
    const checked = TrainingRequested.validateData(parseJsonBody(body));
    if (!checked.ok)
      throw ApiError.badRequest(
        'invalid training request',
        checked.issues.map((i) => ({
          field: i.path.replace(/^\//, '') || '(body)',
          reason: i.message,
        })),
      );
    const request: TrainingRequest = checked.value;
    const hyper = resolveHyperparameters(request.algorithm, request.hyperparameters);
    if (!hyper.ok) throw ApiError.badRequest(hyper.error);
    if (!(await this.datasets.get(request.dataset)))
      throw ApiError.notFound(`dataset ${request.dataset} is not registered`);
    return this.jobs.request(request, 'api');
  }

  @Get()
  @RequireScope('train')
  async list(@Query('model') model?: string, @Query('status') status?: string) {
    if (status !== undefined && !STATUSES.includes(status as TrainingJobStatus))
      throw ApiError.badRequest(`status must be one of ${STATUSES.join(', ')}`);
    return {
      jobs: await this.jobs.list({
        ...(model ? { model } : {}),
        ...(status ? { status: status as TrainingJobStatus } : {}),
      }),
    };
  }

  @Get(':id')
  @RequireScope('train')
  async get(@Param('id') id: string) {
    const job = await this.jobs.get(id);
    if (!job) throw ApiError.notFound(`no training job ${id}`);
    return job;
  }
}
