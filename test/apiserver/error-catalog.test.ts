import express from 'express';
import request from 'supertest';
import { errors } from '../../src/api/errors';
import type { ApiError } from '../../src/api/errors';
import { errorHandler } from '../../src/apiserver/error-handler';

const gr = { group: '', resource: 'pods' };

/** One call per catalog constructor; the test fails when the catalog grows without an entry here. */
const calls: Record<keyof typeof errors, () => ApiError> = {
  notFound: () => errors.notFound(gr, 'a'),
  pathNotFound: () => errors.pathNotFound(),
  alreadyExists: () => errors.alreadyExists(gr, 'a'),
  conflict: () => errors.conflict(gr, 'a', 'detail'),
  conflictModified: () => errors.conflictModified(gr, 'a'),
  invalid: () => errors.invalid('Pod', '', 'a', [{ type: 'FieldValueRequired', field: 'spec.containers' }]),
  badRequest: () => errors.badRequest('bad'),
  forbidden: () => errors.forbidden(gr, 'a', 'no'),
  methodNotAllowed: () => errors.methodNotAllowed('PUT', 'pods'),
  notAcceptable: () => errors.notAcceptable('application/x'),
  unsupportedMediaType: () => errors.unsupportedMediaType('text/plain'),
  requestEntityTooLarge: () => errors.requestEntityTooLarge(),
  storageTooLarge: () => errors.storageTooLarge(),
  gone: () => errors.gone('gone'),
  expired: () => errors.expired('too old'),
  resourceVersionTooLarge: () => errors.resourceVersionTooLarge(),
  tooManyRequests: () => errors.tooManyRequests(),
  serviceUnavailable: () => errors.serviceUnavailable(),
  timeout: () => errors.timeout('slow'),
  storagePassthrough: () => errors.storagePassthrough('etcdserver: mvcc: database space exceeded'),
  internal: () => errors.internal(new Error('boom')),
};

function appThrowing(err: unknown): express.Express {
  const app = express();
  app.get('/x', () => {
    throw err;
  });
  app.use(errorHandler());
  return app;
}

test('the error test covers every constructor in the catalog', () => {
  expect(Object.keys(calls).sort()).toEqual(Object.keys(errors).sort());
});

test.each(Object.entries(calls))('catalog error %s renders as a well-formed Status with its HTTP code', async (_name, make) => {
  const err = make();
  const r = await request(appThrowing(err)).get('/x');
  expect(r.status).toBe(err.code);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', metadata: {}, code: err.code });
  expect(typeof r.body.message).toBe('string');
  expect(r.body.message.length).toBeGreaterThan(0);
  expect(r.body.reason ?? '').toBe(err.reason); // kube omits an empty reason (StatusReasonUnknown)
  if (r.body.details?.retryAfterSeconds) expect(r.headers['retry-after']).toBe(String(r.body.details.retryAfterSeconds));
});

test('an unknown error becomes a 500 InternalError Status', async () => {
  const r = await request(appThrowing(new TypeError('oops'))).get('/x');
  expect(r.status).toBe(500);
  expect(r.body).toMatchObject({ kind: 'Status', reason: 'InternalError', message: 'Internal error occurred: oops', code: 500 });
});
