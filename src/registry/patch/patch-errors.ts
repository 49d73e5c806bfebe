/**
 * The Status errors patch application can produce, with the codes kube-apiserver uses
 * (handlers/patch.go): malformed patch documents are 400, patches that cannot be applied are
 * 422 with kube's generic wording, and errors kube leaves unmapped surface as 500.
 */
import { ApiError, errors } from '../../api/errors';

/**
 * kube's NewGenericServerResponse(422, ...) with empty resource: no causes, fixed message.
 * The catalog has no constructor for it, so the Status is built here from the shared class.
 */
export function genericUnprocessable(): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code: 422,
  });
}

/** Strategic-merge errors kube maps to 400 (mergepatch.ErrBad*). */
export const smpBadRequest = {
  primitiveList: (): ApiError => errors.badRequest('invalid patch format of primitive list'),
  retainKeys: (): ApiError => errors.badRequest('invalid patch format of retainKeys'),
  setElementOrder: (): ApiError => errors.badRequest('invalid patch format of setElementOrder list'),
};

/** Strategic-merge errors kube maps to 422 (lists of lists). */
export function smpNoListOfLists(): ApiError {
  return genericUnprocessable();
}

/** Errors kube returns unwrapped from the merge code, which the handler renders as InternalError. */
export function smpInternal(message: string): ApiError {
  return errors.internal(new Error(message));
}
