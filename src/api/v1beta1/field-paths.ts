/**
 * v1 field paths (as the registry's validation reports them) → the v1beta1 paths a v1beta1 client
 * sent, e.g. `spec.containers[0].name` → `desiredState.manifest.containers[0].name`, so a 422 names
 * fields the client can find in its own document. Paths with no v1beta1 spelling pass through.
 */

type Rule = [RegExp, string | ((...m: string[]) => string)];

const META: Rule[] = [
  [/^metadata\.name$/, 'id'],
  [/^metadata\.(.*)$/, '$1'],
];

const CONTAINER: Rule[] = [
  [/^\.args(.*)$/, '.command$1'],
  [/^\.command(.*)$/, '.entrypoint$1'],
  [/^\.securityContext\.privileged$/, '.privileged'],
  [/^\.securityContext\.capabilities(.*)$/, '.capabilities$1'],
];

const VOLUME_SOURCE: Rule[] = [
  [/^\.hostPath(.*)$/, '.source.hostDir$1'],
  [/^\.gcePersistentDisk(.*)$/, '.source.persistentDisk$1'],
  [/^\.secret\.secretName$/, '.source.secret.target.name'],
  [/^\.(emptyDir|gitRepo|nfs|secret|iscsi|glusterfs)(.*)$/, '.source.$1$2'],
];

function apply(rules: Rule[], path: string): string | undefined {
  for (const [re, to] of rules) {
    const m = re.exec(path);
    if (!m) continue;
    return typeof to === 'string' ? path.replace(re, to) : to(...m);
  }
  return undefined;
}

/**
 * A v1 PodSpec path (after `spec`) → v1beta1, where `state` is where desiredState lives
 * (`desiredState` for pods, `desiredState.podTemplate.desiredState` for RCs) and `top` where
 * nodeSelector/serviceAccount live.
 */
function podSpecPath(rest: string, state: string, top: string): string | undefined {
  let m = /^\.containers(\[[^\]]*\])(.*)$/.exec(rest);
  if (m) return `${state}.manifest.containers${m[1]}${apply(CONTAINER, m[2]!) ?? m[2]}`;
  m = /^\.volumes(\[[^\]]*\])(.*)$/.exec(rest);
  if (m) return `${state}.manifest.volumes${m[1]}${apply(VOLUME_SOURCE, m[2]!) ?? m[2]}`;
  m = /^\.(containers|volumes|restartPolicy|dnsPolicy|hostNetwork)(.*)$/.exec(rest);
  if (m) return `${state}.manifest.${m[1]}${m[2]}`;
  if (rest === '.nodeName') return `${state}.host`;
  m = /^\.nodeSelector(.*)$/.exec(rest);
  if (m) return `${top}nodeSelector${m[1]}`;
  if (rest === '.serviceAccountName') return `${top}serviceAccount`;
  return undefined;
}

const PER_KIND: Record<string, Rule[]> = {
  Pod: [
    [/^spec$/, 'desiredState'],
    [/^spec(\..*)$/, (p, rest) => podSpecPath(rest!, 'desiredState', '') ?? p!],
    [/^status\.phase$/, 'currentState.status'],
    [/^status\.conditions(.*)$/, 'currentState.Condition$1'],
    [/^status\.containerStatuses(.*)$/, 'currentState.info$1'],
    [/^status(\..*)?$/, 'currentState$1'],
  ],
  Service: [
    [/^spec\.ports\[0\]\.port$/, 'port'],
    [/^spec\.ports\[0\]\.protocol$/, 'protocol'],
    [/^spec\.ports\[0\]\.name$/, 'portName'],
    [/^spec\.ports\[0\]\.targetPort$/, 'containerPort'],
    [/^spec\.ports(\[[0-9]+\])\.targetPort$/, 'ports$1.containerPort'],
    [/^spec\.ports(\[[0-9]+\].*)$/, 'ports$1'],
    [/^spec\.ports$/, 'port'],
    [/^spec\.clusterIPs?(.*)$/, 'portalIP$1'],
    [/^spec\.externalIPs(.*)$/, 'publicIPs$1'],
    [/^spec\.type$/, 'createExternalLoadBalancer'],
    [/^spec\.(.*)$/, '$1'],
  ],
  ReplicationController: [
    [/^spec$/, 'desiredState'],
    [/^spec\.replicas$/, 'desiredState.replicas'],
    [/^spec\.selector(.*)$/, 'desiredState.replicaSelector$1'],
    [/^spec\.template\.metadata\.(labels|annotations)(.*)$/, 'desiredState.podTemplate.$1$2'],
    [/^spec\.template\.spec(\..*)$/, (p, rest) => podSpecPath(rest!, 'desiredState.podTemplate.desiredState', 'desiredState.podTemplate.') ?? p!],
    [/^spec\.template(.*)$/, 'desiredState.podTemplate$1'],
    [/^status\.(.*)$/, 'currentState.$1'],
  ],
  Node: [
    [/^spec\.(.*)$/, '$1'],
    [/^status\.capacity(.*)$/, 'resources.capacity$1'],
    [/^status\.conditions(\[[0-9]+\])\.type$/, 'status.conditions$1.kind'],
  ],
  Event: [
    [/^source\.component$/, 'source'],
    [/^source\.host$/, 'host'],
  ],
  Endpoints: [[/^(subsets\[[0-9]+\]\.(?:notReadyA|a)ddresses\[[0-9]+\])\.ip$/, '$1.IP']],
  Binding: [
    [/^metadata\.name$/, 'podID'],
    [/^target(\..*)?$/, 'host'],
  ],
};

/** `kind` is the v1 kind (Pod, Service, Node, …). */
export function fieldPathToV1beta1(kind: string, path: string): string {
  return apply(PER_KIND[kind] ?? [], path) ?? apply(META, path) ?? path;
}
