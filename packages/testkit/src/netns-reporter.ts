/**
 * A node:test reporter for test files run inside a test network namespace (see `netns.ts`): it
 * writes one JSON line per top-level test result, which the outer process turns back into tests.
 */

/** One top-level result as written by the reporter. */
export interface NetnsResult {
  name: string;
  ok: boolean;
  skip: boolean;
  todo: boolean;
  durationMs: number;
  error?: { message: string; stack?: string };
}

interface TestEventData {
  name: string;
  nesting: number;
  skip?: boolean | string;
  todo?: boolean | string;
  details?: { duration_ms?: number; error?: Error & { cause?: unknown } };
}

function describeError(error: (Error & { cause?: unknown }) | undefined): NetnsResult['error'] {
  if (error === undefined) {
    return undefined;
  }
  const inner = error.cause instanceof Error ? error.cause : error;
  return inner.stack === undefined
    ? { message: inner.message }
    : { message: inner.message, stack: inner.stack };
}

// biome-ignore lint/style/noDefaultExport: node's test runner loads a reporter's default export
export default async function* netnsReporter(
  source: AsyncIterable<{ type: string; data: TestEventData }>,
): AsyncGenerator<string> {
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) {
      continue;
    }
    const data = event.data;
    const result: NetnsResult = {
      name: data.name,
      ok: event.type === 'test:pass',
      skip: data.skip !== undefined && data.skip !== false,
      todo: data.todo !== undefined && data.todo !== false,
      durationMs: data.details?.duration_ms ?? 0,
    };
    const error = event.type === 'test:fail' ? describeError(data.details?.error) : undefined;
    if (error !== undefined) {
      result.error = error;
    }
    yield `${JSON.stringify(result)}\n`;
  }
  // The run is complete: whatever happens while the process exits does not change the results.
  yield `${JSON.stringify({ end: true })}\n`;
}
