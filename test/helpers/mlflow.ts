import { describe } from '@jest/globals';

/** The tracking server the global setup started (or the one MLFLOW_TEST_URI names). */
export const MLFLOW_TEST_URI = process.env.MLFLOW_TEST_URI;

if (!MLFLOW_TEST_URI && process.env.RECOMART_REQUIRE_MLFLOW === '1') {
  throw new Error('RECOMART_REQUIRE_MLFLOW=1 but MLFLOW_TEST_URI is not set: the MLflow tests must run');
}

/** describe, or describe.skip when no MLflow server is available (never in CI). */
export const describeMlflow = MLFLOW_TEST_URI ? describe : describe.skip;

/** One call to the tracking server's REST API, parsed; throws with the body on a non-2xx answer. */
export async function mlflowApi<T>(endpoint: string, body?: unknown): Promise<T> {
  const res = await fetch(`${MLFLOW_TEST_URI}/api/2.0/${endpoint}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${endpoint}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
