/**
 * The protobuf messages kubectl 1.32/1.33 send as request bodies (`create namespace|service|configmap|
 * secret`), as protobufjs reflection. Field numbers follow kube's generated.proto files
 * (k8s.io/apimachinery runtime + meta/v1, k8s.io/api core/v1); only what these kinds carry is defined.
 */
import * as protobuf from 'protobufjs';

const str = (id: number) => ({ type: 'string', id });
const rep = (type: string, id: number) => ({ rule: 'repeated', type, id });
const map = (valueType: string, id: number) => ({ keyType: 'string', type: valueType, id });

type Descriptor = { [key: string]: unknown };

/** kube's generated.proto files are proto2: explicit presence, so a set `false`/0 survives a round trip. */
function proto2(ns: Descriptor): Descriptor {
  const out: Descriptor = { ...ns };
  if (out.fields) out.edition = 'proto2';
  if (out.nested) out.nested = Object.fromEntries(Object.entries(out.nested as Descriptor).map(([k, v]) => [k, proto2(v as Descriptor)]));
  return out;
}

export const k8sRoot = protobuf.Root.fromJSON(proto2({
  nested: {
    runtime: {
      nested: {
        Unknown: { fields: { typeMeta: { type: 'TypeMeta', id: 1 }, raw: { type: 'bytes', id: 2 }, contentEncoding: str(3), contentType: str(4) } },
        TypeMeta: { fields: { apiVersion: str(1), kind: str(2) } },
      },
    },
    meta: {
      nested: {
        Time: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
        FieldsV1: { fields: { Raw: { type: 'bytes', id: 1 } } },
        OwnerReference: {
          fields: { kind: str(1), name: str(3), uid: str(4), apiVersion: str(5), controller: { type: 'bool', id: 6 }, blockOwnerDeletion: { type: 'bool', id: 7 } },
        },
        ManagedFieldsEntry: {
          fields: { manager: str(1), operation: str(2), apiVersion: str(3), time: { type: 'Time', id: 4 }, fieldsType: str(6), fieldsV1: { type: 'FieldsV1', id: 7 }, subresource: str(8) },
        },
        ObjectMeta: {
          fields: {
            name: str(1),
            generateName: str(2),
            namespace: str(3),
            selfLink: str(4),
            uid: str(5),
            resourceVersion: str(6),
            generation: { type: 'int64', id: 7 },
            creationTimestamp: { type: 'Time', id: 8 },
            deletionTimestamp: { type: 'Time', id: 9 },
            deletionGracePeriodSeconds: { type: 'int64', id: 10 },
            labels: map('string', 11),
            annotations: map('string', 12),
            ownerReferences: rep('OwnerReference', 13),
            finalizers: rep('string', 14),
            managedFields: rep('ManagedFieldsEntry', 17),
          },
        },
      },
    },
    intstr: {
      nested: { IntOrString: { fields: { type: { type: 'int64', id: 1 }, intVal: { type: 'int32', id: 2 }, strVal: str(3) } } },
    },
    core: {
      nested: {
        Namespace: { fields: { metadata: { type: 'meta.ObjectMeta', id: 1 }, spec: { type: 'NamespaceSpec', id: 2 }, status: { type: 'NamespaceStatus', id: 3 } } },
        NamespaceSpec: { fields: { finalizers: rep('string', 1) } },
        NamespaceStatus: { fields: { phase: str(1) } },
        ConfigMap: {
          fields: { metadata: { type: 'meta.ObjectMeta', id: 1 }, data: map('string', 2), binaryData: map('bytes', 3), immutable: { type: 'bool', id: 4 } },
        },
        Secret: {
          fields: { metadata: { type: 'meta.ObjectMeta', id: 1 }, data: map('bytes', 2), type: str(3), stringData: map('string', 4), immutable: { type: 'bool', id: 5 } },
        },
        Service: { fields: { metadata: { type: 'meta.ObjectMeta', id: 1 }, spec: { type: 'ServiceSpec', id: 2 }, status: { type: 'ServiceStatus', id: 3 } } },
        ServiceStatus: { fields: {} },
        ServicePort: {
          fields: { name: str(1), protocol: str(2), port: { type: 'int32', id: 3 }, targetPort: { type: 'intstr.IntOrString', id: 4 }, nodePort: { type: 'int32', id: 5 }, appProtocol: str(6) },
        },
        ClientIPConfig: { fields: { timeoutSeconds: { type: 'int32', id: 1 } } },
        SessionAffinityConfig: { fields: { clientIP: { type: 'ClientIPConfig', id: 1 } } },
        ServiceSpec: {
          fields: {
            ports: rep('ServicePort', 1),
            selector: map('string', 2),
            clusterIP: str(3),
            type: str(4),
            externalIPs: rep('string', 5),
            sessionAffinity: str(7),
            loadBalancerIP: str(8),
            loadBalancerSourceRanges: rep('string', 9),
            externalName: str(10),
            externalTrafficPolicy: str(11),
            healthCheckNodePort: { type: 'int32', id: 12 },
            publishNotReadyAddresses: { type: 'bool', id: 13 },
            sessionAffinityConfig: { type: 'SessionAffinityConfig', id: 14 },
            ipFamilyPolicy: str(17),
            clusterIPs: rep('string', 18),
            ipFamilies: rep('string', 19),
            allocateLoadBalancerNodePorts: { type: 'bool', id: 20 },
            loadBalancerClass: str(21),
            internalTrafficPolicy: str(22),
            trafficDistribution: str(23),
          },
        },
      },
    },
  },
}) as protobuf.INamespace);

/** Kinds (core/v1) whose protobuf bodies km decodes. */
export const DECODABLE_KINDS = ['Namespace', 'Service', 'ConfigMap', 'Secret'] as const;
