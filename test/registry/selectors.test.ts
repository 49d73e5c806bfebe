import { parseLabelSelector, selectorFromMap } from '../../src/registry/selectors/label-selector';
import { parseFieldSelector } from '../../src/registry/selectors/field-selector';
import { ApiError } from '../../src/api/errors';

const labels = { app: 'web', tier: 'front', n: '5' };

describe('label selector', () => {
  test.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (db, web)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier=back', false],
    ['n>3', true],
    ['n<3', false],
    ['example.com/key=v', false],
  ])('%j matches %s', (sel, expected) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(expected);
  });

  test.each(['app in (web', 'app=web,', '=web', 'app in ()', 'bad key!=x', 'app=we b', 'n>x', 'a in', 'a notin', 'a in (x,'])('%j is a 400 BadRequest', (sel) => {
    let err: unknown;
    try {
      parseLabelSelector(sel);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
  });

  test('a selector from a map requires every pair', () => {
    expect(selectorFromMap({ app: 'web', tier: 'front' }).matches(labels)).toBe(true);
    expect(selectorFromMap({ app: 'web', tier: 'back' }).matches(labels)).toBe(false);
    expect(selectorFromMap({}).matches(labels)).toBe(true);
  });

  test('a missing label map matches only absence requirements', () => {
    expect(parseLabelSelector('!a').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(undefined)).toBe(false);
  });
});

describe('field selector', () => {
  const fields = { 'metadata.name': 'p1', 'spec.nodeName': '', 'status.phase': 'Running' };

  test.each([
    ['metadata.name=p1', true],
    ['metadata.name==p1', true],
    ['metadata.name!=p1', false],
    ['spec.nodeName=', true],
    ['status.phase=Running,metadata.name=p2', false],
  ])('%j matches %s', (sel, expected) => {
    expect(parseFieldSelector(sel, Object.keys(fields)).matches(fields)).toBe(expected);
  });

  test('escaped separators are part of the value', () => {
    const s = parseFieldSelector('metadata.name=a\\,b');
    expect(s.matches({ 'metadata.name': 'a,b' })).toBe(true);
  });

  test('an unknown field is a 400 naming it', () => {
    expect(() => parseFieldSelector('spec.foo=x', ['metadata.name'])).toThrow('field label not supported: spec.foo');
  });

  test('a term without an operator is a 400', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(ApiError);
  });
});
