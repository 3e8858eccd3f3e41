import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** One reason a value failed its schema: where (a JSON pointer such as `/data/age`) and why. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export interface Validator<T> {
  (value: unknown): ValidationResult<T>;
  readonly schema: TSchema;
}

// A runaway payload can fail in thousands of places; the first few reasons are what a producer needs.
const MAX_ISSUES = 20;

/**
 * Compiles a schema once into a fast checker. Compiled checks run on every publish and consume, so
 * they are built ahead of time (TypeBox's compiler emits plain JS) rather than interpreted per call.
 */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const check = TypeCompiler.Compile(schema);
  const validate = (value: unknown): ValidationResult<Static<S>> => {
    if (check.Check(value)) return { ok: true, value: value as Static<S> };
    const issues: ValidationIssue[] = [];
    for (const error of check.Errors(value)) {
      issues.push({ path: error.path || '/', message: error.message });
      if (issues.length >= MAX_ISSUES) break;
    }
    return { ok: false, issues };
  };
  return Object.assign(validate, { schema });
}

/** Renders issues as one readable line, e.g. `/data/age: Expected number; /type: Required property`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
