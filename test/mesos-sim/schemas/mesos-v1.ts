/**
 * JSON Schemas for the mesos.v1 messages a scheduler sends (include/mesos/v1/mesos.proto), in the JSON
 * mapping Mesos parses: snake_case proto field names, enums as their names, bytes as Base64, 64-bit
 * integers as numbers or decimal strings. Every message is closed (additionalProperties: false) so a
 * misspelt or invented field is caught here even where a lenient parser would drop it silently.
 * `required` mirrors the proto2 `required` labels.
 */
export type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const dbl: Schema = { type: 'number' };
const uint32: Schema = { type: 'integer', minimum: 0, maximum: 4294967295 };
const int32: Schema = { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
const int64: Schema = { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }] };
const uint64: Schema = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]+$' }] };
export const bytes: Schema = { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' };
const enumOf = (...values: string[]): Schema => ({ type: 'string', enum: values });
export const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
const arr = (items: Schema): Schema => ({ type: 'array', items });

/** A closed proto message. */
export function msg(properties: Record<string, Schema>, required: string[] = []): Schema {
  const s: Schema = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) s.required = required;
  return s;
}

const id = msg({ value: str }, ['value']);

export const mesosDefinitions: Record<string, Schema> = {
  FrameworkID: id,
  OfferID: id,
  AgentID: id,
  TaskID: id,
  ExecutorID: id,
  ContainerID: msg({ value: str, parent: ref('ContainerID') }, ['value']),
  ResourceProviderID: id,
  OperationID: id,
  DurationInfo: msg({ nanoseconds: int64 }, ['nanoseconds']),
  TimeInfo: msg({ nanoseconds: int64 }, ['nanoseconds']),
  Label: msg({ key: str, value: str }, ['key']),
  Labels: msg({ labels: arr(ref('Label')) }),
  Parameter: msg({ key: str, value: str }, ['key', 'value']),
  Parameters: msg({ parameter: arr(ref('Parameter')) }),
  'Value.Scalar': msg({ value: dbl }, ['value']),
  'Value.Range': msg({ begin: uint64, end: uint64 }, ['begin', 'end']),
  'Value.Ranges': msg({ range: arr(ref('Value.Range')) }),
  'Value.Set': msg({ item: arr(str) }),
  'Value.Text': msg({ value: str }, ['value']),
  'Resource.AllocationInfo': msg({ role: str }),
  'Resource.ReservationInfo': msg({
    type: enumOf('UNKNOWN', 'STATIC', 'DYNAMIC'),
    role: str,
    principal: str,
    labels: ref('Labels'),
  }),
  'Resource.DiskInfo': msg({
    persistence: msg({ id: str, principal: str }, ['id']),
    volume: ref('Volume'),
    source: { type: 'object' },
  }),
  Resource: msg(
    {
      provider_id: ref('ResourceProviderID'),
      name: str,
      type: enumOf('SCALAR', 'RANGES', 'SET', 'TEXT'),
      scalar: ref('Value.Scalar'),
      ranges: ref('Value.Ranges'),
      set: ref('Value.Set'),
      role: str,
      allocation_info: ref('Resource.AllocationInfo'),
      reservation: ref('Resource.ReservationInfo'),
      reservations: arr(ref('Resource.ReservationInfo')),
      disk: ref('Resource.DiskInfo'),
      revocable: msg({}),
      shared: msg({}),
    },
    ['name', 'type'],
  ),
  Filters: msg({ refuse_seconds: dbl }),
  'Environment.Variable': msg(
    { name: str, type: enumOf('UNKNOWN', 'VALUE', 'SECRET'), value: str, secret: { type: 'object' } },
    ['name'],
  ),
  Environment: msg({ variables: arr(ref('Environment.Variable')) }),
  'CommandInfo.URI': msg(
    { value: str, executable: bool, extract: bool, cache: bool, output_file: str },
    ['value'],
  ),
  CommandInfo: msg({
    uris: arr(ref('CommandInfo.URI')),
    environment: ref('Environment'),
    shell: bool,
    value: str,
    arguments: arr(str),
    user: str,
  }),
  'Image.Docker': msg({ name: str, credential: { type: 'object' }, config: { type: 'object' } }, ['name']),
  'Image.Appc': msg({ name: str, id: str, labels: ref('Labels') }, ['name']),
  Image: msg(
    { type: enumOf('APPC', 'DOCKER'), appc: ref('Image.Appc'), docker: ref('Image.Docker'), cached: bool },
    ['type'],
  ),
  Volume: msg(
    { mode: enumOf('RW', 'RO'), container_path: str, host_path: str, image: ref('Image'), source: { type: 'object' } },
    ['container_path'],
  ),
  'NetworkInfo.IPAddress': msg({ protocol: enumOf('IPv4', 'IPv6'), ip_address: str }),
  'NetworkInfo.PortMapping': msg({ host_port: uint32, container_port: uint32, protocol: str }, [
    'host_port',
    'container_port',
  ]),
  NetworkInfo: msg({
    ip_addresses: arr(ref('NetworkInfo.IPAddress')),
    name: str,
    groups: arr(str),
    labels: ref('Labels'),
    port_mappings: arr(ref('NetworkInfo.PortMapping')),
  }),
  'ContainerInfo.DockerInfo.PortMapping': msg({ host_port: uint32, container_port: uint32, protocol: str }, [
    'host_port',
    'container_port',
  ]),
  'ContainerInfo.DockerInfo': msg(
    {
      image: str,
      network: enumOf('HOST', 'BRIDGE', 'NONE', 'USER'),
      port_mappings: arr(ref('ContainerInfo.DockerInfo.PortMapping')),
      privileged: bool,
      parameters: arr(ref('Parameter')),
      force_pull_image: bool,
      volume_driver: str,
    },
    ['image'],
  ),
  'ContainerInfo.MesosInfo': msg({ image: ref('Image') }),
  ContainerInfo: msg(
    {
      type: enumOf('DOCKER', 'MESOS'),
      volumes: arr(ref('Volume')),
      hostname: str,
      docker: ref('ContainerInfo.DockerInfo'),
      mesos: ref('ContainerInfo.MesosInfo'),
      network_infos: arr(ref('NetworkInfo')),
      linux_info: { type: 'object' },
      rlimit_info: { type: 'object' },
      tty_info: { type: 'object' },
    },
    ['type'],
  ),
  'HealthCheck.HTTPCheckInfo': msg(
    { protocol: enumOf('IPv4', 'IPv6'), scheme: str, port: uint32, path: str, statuses: arr(uint32) },
    ['port'],
  ),
  'HealthCheck.TCPCheckInfo': msg({ protocol: enumOf('IPv4', 'IPv6'), port: uint32 }, ['port']),
  HealthCheck: msg({
    delay_seconds: dbl,
    interval_seconds: dbl,
    timeout_seconds: dbl,
    consecutive_failures: uint32,
    grace_period_seconds: dbl,
    type: enumOf('UNKNOWN', 'COMMAND', 'HTTP', 'TCP'),
    command: ref('CommandInfo'),
    http: ref('HealthCheck.HTTPCheckInfo'),
    tcp: ref('HealthCheck.TCPCheckInfo'),
  }),
  KillPolicy: msg({ grace_period: ref('DurationInfo') }),
  DiscoveryInfo: msg(
    {
      visibility: enumOf('FRAMEWORK', 'CLUSTER', 'EXTERNAL'),
      name: str,
      environment: str,
      location: str,
      version: str,
      ports: msg({ ports: arr(msg({ number: uint32, name: str, protocol: str, visibility: str, labels: ref('Labels') }, ['number'])) }),
      labels: ref('Labels'),
    },
    ['visibility'],
  ),
  ExecutorInfo: msg(
    {
      type: enumOf('UNKNOWN', 'DEFAULT', 'CUSTOM'),
      executor_id: ref('ExecutorID'),
      framework_id: ref('FrameworkID'),
      command: ref('CommandInfo'),
      container: ref('ContainerInfo'),
      resources: arr(ref('Resource')),
      name: str,
      source: str,
      data: bytes,
      discovery: ref('DiscoveryInfo'),
      shutdown_grace_period: ref('DurationInfo'),
      labels: ref('Labels'),
    },
    ['executor_id'],
  ),
  TaskInfo: msg(
    {
      name: str,
      task_id: ref('TaskID'),
      agent_id: ref('AgentID'),
      resources: arr(ref('Resource')),
      executor: ref('ExecutorInfo'),
      command: ref('CommandInfo'),
      container: ref('ContainerInfo'),
      health_check: ref('HealthCheck'),
      check: { type: 'object' },
      kill_policy: ref('KillPolicy'),
      data: bytes,
      labels: ref('Labels'),
      discovery: ref('DiscoveryInfo'),
      max_completion_time: ref('DurationInfo'),
    },
    ['name', 'task_id', 'agent_id'],
  ),
  TaskGroupInfo: msg({ tasks: arr(ref('TaskInfo')) }),
  'Offer.Operation': msg(
    {
      type: enumOf('UNKNOWN', 'LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK'),
      id: ref('OperationID'),
      launch: msg({ task_infos: arr(ref('TaskInfo')) }),
      launch_group: msg({ executor: ref('ExecutorInfo'), task_group: ref('TaskGroupInfo') }, ['executor', 'task_group']),
      reserve: msg({ resources: arr(ref('Resource')) }),
      unreserve: msg({ resources: arr(ref('Resource')) }),
      create: msg({ volumes: arr(ref('Resource')) }),
      destroy: msg({ volumes: arr(ref('Resource')) }),
    },
    [],
  ),
  'FrameworkInfo.Capability': msg({
    type: enumOf(
      'UNKNOWN',
      'REVOCABLE_RESOURCES',
      'TASK_KILLING_STATE',
      'GPU_RESOURCES',
      'SHARED_RESOURCES',
      'PARTITION_AWARE',
      'MULTI_ROLE',
      'RESERVATION_REFINEMENT',
      'REGION_AWARE',
    ),
  }),
  FrameworkInfo: msg(
    {
      user: str,
      name: str,
      id: ref('FrameworkID'),
      failover_timeout: dbl,
      checkpoint: bool,
      role: str,
      roles: arr(str),
      hostname: str,
      principal: str,
      webui_url: str,
      capabilities: arr(ref('FrameworkInfo.Capability')),
      labels: ref('Labels'),
      offer_filters: { type: 'object' },
    },
    ['user', 'name'],
  ),
  Request: msg({ agent_id: ref('AgentID'), resources: arr(ref('Resource')) }),
};

export { str, bool, dbl, uint32, int32, arr, enumOf };
