import { errors } from '../../../src/api/errors';
import type { KubeList } from '../../../src/api/types';
import { fieldSelectorToV1, listFromV1, listToV1, statusFromV1, statusToV1, v1beta1ResourceInfos, watchEventFromV1 } from '../../../src/api/v1beta1';
import { convertWatcher } from '../../../src/api/v1beta1/list';
import type { ApiWatchEvent, ApiWatcher } from '../../../src/watch/types';
import { v1Objects } from './fixtures';

type Obj = Record<string, unknown>;

describe('lists', () => {
  const podList: KubeList = { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '99' }, items: [v1Objects.Pod!] };

  test('a v1 PodList is a v1beta1 PodList with an integer resourceVersion and a namespace selfLink', () => {
    const b = listFromV1('Pod', podList, { namespace: 'prod' });
    expect(b).toMatchObject({ kind: 'PodList', creationTimestamp: null, selfLink: '/api/v1beta1/pods?namespace=prod', resourceVersion: 99, apiVersion: 'v1beta1' });
    expect((b.items as Obj[])[0]).toMatchObject({ kind: 'Pod', id: 'web-1', selfLink: '/api/v1beta1/pods/web-1?namespace=prod' });
  });

  test('an all-namespaces list has the empty namespace query in its selfLink', () => {
    expect(listFromV1('Pod', podList).selfLink).toBe('/api/v1beta1/pods?namespace=');
  });

  test('a MinionList carries its items under both minions and items, and reads back from either', () => {
    const nodes: KubeList = { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: '5' }, items: [v1Objects.Node!] };
    const b = listFromV1('Node', nodes);
    expect(b).toMatchObject({ kind: 'MinionList', selfLink: '/api/v1beta1/minions' });
    expect(b.minions).toEqual(b.items);
    expect(listToV1('Minion', b)).toEqual(nodes);
    expect(listToV1('Minion', { minions: b.items, resourceVersion: 5 })).toEqual(nodes);
  });

  test('v1beta1 PodList → v1 → v1beta1 is the identity', () => {
    const b = listFromV1('Pod', podList, { namespace: 'prod' });
    expect(listFromV1('Pod', listToV1('Pod', b), { namespace: 'prod' })).toEqual(b);
  });
});

describe('watch events', () => {
  test('ADDED/MODIFIED/DELETED carry the converted object; BOOKMARK is dropped', () => {
    for (const type of ['ADDED', 'MODIFIED', 'DELETED'] as const) {
      const ev = watchEventFromV1('Pod', { type, object: v1Objects.Pod! });
      expect(ev).toMatchObject({ type, object: { kind: 'Pod', apiVersion: 'v1beta1', id: 'web-1' } });
    }
    expect(watchEventFromV1('Pod', { type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '9' } } })).toBeUndefined();
  });

  test('an ERROR event carries a v1beta1 Status', () => {
    const ev = watchEventFromV1('Pod', { type: 'ERROR', object: errors.expired('too old resource version: 1 (5)').status });
    expect(ev).toEqual({
      type: 'ERROR',
      object: { kind: 'Status', creationTimestamp: null, apiVersion: 'v1beta1', status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 },
    });
  });

  test('a converting watcher yields converted events in order and closes the inner watcher', async () => {
    let closed = false;
    const events: ApiWatchEvent[] = [
      { type: 'ADDED', object: v1Objects.Pod! },
      { type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '50' } } },
      { type: 'DELETED', object: v1Objects.Pod! },
    ];
    const inner: ApiWatcher = {
      close: () => {
        closed = true;
      },
      async *[Symbol.asyncIterator]() {
        yield* events;
      },
    };
    const w = convertWatcher('Pod', inner);
    const seen: string[] = [];
    for await (const ev of w) seen.push(`${ev.type} ${String((ev.object as Obj).id)}`);
    expect(seen).toEqual(['ADDED web-1', 'DELETED web-1']);
    w.close();
    expect(closed).toBe(true);
  });
});

describe('Status', () => {
  test('v1 Status → v1beta1 → v1 keeps status, message, reason, details and code', () => {
    const s = errors.conflict({ group: '', resource: 'pods' }, 'p', 'the object has been modified').status;
    const b = statusFromV1(s);
    expect(b).toMatchObject({ kind: 'Status', apiVersion: 'v1beta1', details: { id: 'p', kind: 'pods' }, code: 409 });
    expect(statusToV1(b)).toEqual(s);
  });
});

describe('v1beta1 field selectors', () => {
  test.each([
    ['Pod', 'DesiredState.Host=', 'spec.nodeName='],
    ['Pod', 'DesiredState.Host!=,name=x', 'spec.nodeName!=,metadata.name=x'],
    ['Pod', 'DesiredState.Status=Waiting', 'status.phase=Pending'],
    ['Pod', 'DesiredState.Status=Terminated', 'status.phase=Failed'],
    ['ReplicationController', 'currentState.replicas=2', 'status.replicas=2'],
    ['Event', 'involvedObject.id=web-1,reason=started', 'involvedObject.name=web-1,reason=started'],
    ['Event', 'source=kubelet', 'source=kubelet'],
  ])('%s fields=%s → %s', (kind, beta, v1) => {
    expect(fieldSelectorToV1(kind, beta)).toBe(v1);
  });

  test('an empty selector selects everything; an unknown label is 400 "field label not supported"', () => {
    expect(fieldSelectorToV1('Pod', '')).toBeUndefined();
    expect(() => fieldSelectorToV1('Pod', 'spec.host=x')).toThrow('field label not supported: spec.host');
  });
});

describe('discovery entries', () => {
  test('v1beta1 announces pods, services, replicationcontrollers, endpoints, events and nodes with v1beta1 kinds', () => {
    const infos = v1beta1ResourceInfos();
    expect(infos.map((i) => `${i.resource}:${i.kind}:${i.namespaced}`)).toEqual([
      'pods:Pod:true',
      'services:Service:true',
      'replicationcontrollers:ReplicationController:true',
      'endpoints:Endpoints:true',
      'events:Event:true',
      'nodes:Minion:false',
    ]);
    expect(infos.every((i) => i.version === 'v1beta1' && i.group === '' && !i.shortNames)).toBe(true);
  });
});
