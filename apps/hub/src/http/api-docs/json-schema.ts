import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** Schemas zod cannot express in JSON Schema (`z.custom`, used for tool arguments) are plain JSON objects. */
const unrepresentable = () => ({ type: 'object' as const, description: 'A JSON object', additionalProperties: true });

function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1 and AsyncAPI 3) for named zod schemas, with `$ref`s between them
 * pointing at `refBase + name`. `input` describes what a client sends (before defaults and transforms), `output`
 * what the hub answers.
 */
export function namedSchemas(named: Record<string, z.ZodType>, io: 'input' | 'output', refBase: string): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, target: 'draft-2020-12', unrepresentable, uri: (id) => `${refBase}${id}` }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, clean(schema)]));
}

/** One inline schema (query parameters, path parameters). */
export function inlineSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return clean(z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable }) as JsonSchema);
}
